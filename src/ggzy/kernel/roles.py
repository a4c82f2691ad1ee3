"""Roles and the actor on whose behalf an action runs."""

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    PRINCIPAL = "principal"  # 招标人 / 采购人 / 出让方
    AGENT = "agent"  # 代理机构
    BIDDER = "bidder"  # 投标人 / 供应商 / 竞买人
    GUARANTOR = "guarantor"  # 担保机构 (电子保函)
    EXPERT = "expert"  # 评标专家
    OPERATOR = "operator"  # 交易中心
    REGULATOR = "regulator"  # 行政监督部门
    PUBLIC = "public"  # 社会公众

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PRINCIPAL: "招标人/采购人",
    Role.AGENT: "代理机构",
    Role.BIDDER: "投标人/供应商",
    Role.GUARANTOR: "担保机构",
    Role.EXPERT: "评标专家",
    Role.OPERATOR: "交易中心",
    Role.REGULATOR: "行政监督部门",
    Role.PUBLIC: "社会公众",
}

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user with the roles of their account, the public, or the system itself.

    Built once per request (or per command / chronograph sweep) and passed first to every action.
    """

    name: str
    user_id: int | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    ip: str | None = None
    node_id: int | None = None
    entity_id: int | None = None
    department_id: int | None = None
    is_entity_admin: bool = False
    is_system: bool = False

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(name=f"system:{name}", is_system=True)

    @classmethod
    def anonymous(cls, ip: str | None = None) -> "Actor":
        return cls(name="anonymous", roles=frozenset({Role.PUBLIC}), ip=ip)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def primary_role(self) -> str:
        """The role written to the audit log when an action does not name one."""
        if self.is_system:
            return SYSTEM_ROLE
        for role in Role:  # declaration order: the most specific first
            if role in self.roles:
                return role.value
        return Role.PUBLIC.value
