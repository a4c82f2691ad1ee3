"""Helpers shared by the expert actions: personal data checks, status changes."""

from datetime import date, datetime, time, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hmac import HMAC
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from ggzy.exchange.models import Node
from ggzy.exchange.queries import home_node_for, node_chain, operates
from ggzy.experts.models import Expert, Specialty, StatusChange
from ggzy.experts.rules import ID_NUMBER
from ggzy.kernel import clock
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.models import Account, Department
from ggzy.registry.rules import MOBILE
from ggzy.registry.schemas import AccountIn
from ggzy_guomi import sm3_digest

# ---- personal data -------------------------------------------------------------------------------


def required(value: str, field: str, zh: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(
            f"{field}_required", f"请填写{zh}", f"'{field}' is required", details={"field": field}
        )
    return value


def validate_id_number(raw: str) -> str:
    """A resident ID number (GB 11643): 18 characters, valid birth date, ISO 7064 MOD 11-2 check."""
    number = (raw or "").strip().upper()
    ok = len(number) == 18 and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")
    if ok:
        try:
            ok = number[17] == ric.calc_check_digit(number) and ric.get_birth_date(number) <= clock.today()
        except (ValueError, StdnumError):
            ok = False
    if not ok:
        raise InvalidInput(
            "id_number_invalid",
            "居民身份证号码格式或校验位不正确",
            "Not a valid resident ID number (format, birth date or check character)",
            rule=ID_NUMBER,
        )
    return number


def id_digest(number: str) -> str:
    """HMAC-SM3 of the ID number under a platform key (settings.EXPERT_ID_KEY, else derived from
    SECRET_KEY): equal numbers give equal digests (one profile per person), and the digest cannot be
    reversed by enumerating ID numbers without the key."""
    secret = getattr(settings, "EXPERT_ID_KEY", "") or settings.SECRET_KEY
    mac = HMAC(sm3_digest(b"ggzy.experts.id-number:" + secret.encode()), hashes.SM3())
    mac.update(number.encode())
    return mac.finalize().hex()


def valid_mobile(value: str, field: str = "mobile") -> str:
    value = (value or "").strip()
    if not MOBILE.match(value):
        raise InvalidInput(
            "mobile_format",
            f"手机号码“{value}”格式不正确（11位，以1开头）",
            f"Mobile number '{value}' is not an 11-digit mainland number",
            details={"field": field},
        )
    return value


def specialties_of(codes: list[str]) -> list[Specialty]:
    chosen = sorted({(c or "").strip().upper() for c in codes if (c or "").strip()})
    found = list(Specialty.objects.filter(code__in=chosen))
    unknown = sorted(set(chosen) - {s.code for s in found})
    if not chosen or unknown:
        raise InvalidInput(
            "specialties_invalid",
            "请至少选择一个评标专业，并使用专业分类中的代码"
            + (f"：{'、'.join(unknown)}不存在" if unknown else ""),
            "Choose at least one specialty code from the taxonomy"
            + (f"; unknown: {unknown}" if unknown else ""),
            details={"unknown": unknown},
        )
    return found


def new_expert_user(account: AccountIn, node: Node, mobile: str) -> User:
    username = required(account.username, "account.username", "用户名")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("username_taken", f"用户名“{username}”已被使用", f"Username '{username}' is taken")
    user = User(username=username, first_name=required(account.name, "account.name", "姓名"))
    try:
        validate_password(account.password, user)
    except ValidationError as exc:
        raise InvalidInput(
            "password_weak",
            "密码不符合要求：" + "；".join(str(m) for m in exc.messages),
            "Password rejected: " + "; ".join(str(m) for m in exc.messages),
        ) from exc
    user.set_password(account.password)
    user.save()
    Account.objects.create(user=user, kind=Account.Kind.EXPERT, node=node, mobile=mobile)
    return user


def expert_for_update(code: str) -> Expert:
    expert = Expert.objects.select_for_update(of=("self",)).filter(code=(code or "").strip().upper()).first()
    if expert is None:
        raise NotFound("expert_not_found", f"未找到专家{code}", f"No expert {code}")
    return expert


def require_keeper(actor: Actor, expert: Expert) -> None:
    """The library is the province's one; each expert's entry is kept (admitted, sanctioned, declared for)
    by the centre of the region the expert works in, or one above it, and sanctioned also by a
    department sitting at that node or above (an expert serves every trade category)."""
    home = home_node_for(expert.region_id)
    if home is None or operates(actor, home):
        return
    if actor.has(Role.REGULATOR) and actor.department_id is not None:
        department = Department.objects.filter(pk=actor.department_id).first()
        if department is not None and any(n.pk == department.node_id for n in node_chain(home)):
            return
    raise PermissionDenied(
        "expert_other_region",
        f"专家{expert.code}属于{home.name}，须由该节点或其上级节点办理",
        f"Expert {expert.code} belongs to {home.name}: its staff, or staff above it, handle this",
    )


def set_status(expert: Expert, to: str, actor: Actor, reason: str = "", until: date | None = None) -> None:
    StatusChange.objects.create(
        expert=expert,
        from_status=expert.status,
        to_status=to,
        reason=reason,
        until=until,
        changed_by=actor.name,
        changed_at=clock.now(),
    )
    expert.status = to
    expert.status_reason = reason
    expert.status_until = until
    expert.next_check = day_after(until) if until is not None else None


def day_after(day: date) -> datetime:
    """A period ending on `day` (inclusive) ends at the next local midnight."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
