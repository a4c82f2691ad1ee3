"""Builds the demo platform through the same actions the pages and the API use.

Province: 宁夏回族自治区 (a whole real province is loaded as GB/T 2260 data). Names of companies and
people are invented; their 统一社会信用代码 are generated with correct check characters.
"""

import random
from dataclasses import dataclass, field
from datetime import date

from ggzy.catalogue.actions import load_national_catalogue
from ggzy.exchange.actions import create_node
from ggzy.exchange.calendar_actions import load_official_calendar
from ggzy.exchange.models import Node
from ggzy.kernel import clock
from ggzy.kernel.codes import build_uscc
from ggzy.kernel.models import Region
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import (
    create_department,
    create_staff_account,
    register_entity,
    register_public_user,
)
from ggzy.registry.models import Department
from ggzy.registry.schemas import (
    AccountIn,
    ContactIn,
    DepartmentIn,
    EntityForm,
    QualificationIn,
    StaffAccountIn,
)

DEMO_PASSWORD = "Ggzy-demo-2026"  # noqa: S105 - demo accounts only, printed by `ggzy demo`

PROVINCE = ("640000", "宁夏回族自治区公共资源交易中心", "E6400000001")
CITIES = [
    ("640100", "银川市公共资源交易中心", "E6401000001", ["640121", "640122", "640181"]),
    ("640200", "石嘴山市公共资源交易中心", "E6402000001", ["640221"]),
    ("640300", "吴忠市公共资源交易中心", "E6403000001", ["640323", "640324", "640381"]),
]
PROVINCE_DEPARTMENTS = [
    ("宁夏回族自治区发展和改革委员会", ["engineering"]),
    ("宁夏回族自治区住房和城乡建设厅", ["engineering"]),
    ("宁夏回族自治区财政厅", ["procurement"]),
    ("宁夏回族自治区自然资源厅", ["land", "mining"]),
    ("宁夏回族自治区国有资产监督管理委员会", ["state_assets"]),
]
CITY_DEPARTMENTS = [("住房和城乡建设局", ["engineering"]), ("财政局", ["procurement"])]

TRADE_WORDS = (  # noqa: SIM905 - reads better as one line of names
    "恒信 华瑞 金泰 鼎盛 塞上 贺兰 黄河 六盘 沙湖 朔方 凤城 宏达 "
    "长庆 西鸽 丰源 瑞丰 银河 新安 泰和 永固 广厦 天正 汇通 中恒"
).split()
SURNAMES = "王李张刘陈杨马赵黄周吴徐孙胡朱高林何郭罗"
GIVEN = ["建国", "海燕", "志强", "秀英", "文博", "晓东", "丽娟", "振华", "春梅", "宏伟", "玉兰", "国栋"]

BIDDER_KINDS = [
    ("建设工程有限公司", "建筑工程施工总承包", "一级"),
    ("路桥工程有限公司", "公路工程施工总承包", "二级"),
    ("水利水电工程有限公司", "水利水电工程施工总承包", "二级"),
    ("建筑安装有限公司", "机电工程施工总承包", "二级"),
    ("信息技术有限公司", "", ""),
]


def add_experts(
    actor: Actor, count: int, tag: str, specialty: str = "A0801", region: str = "640104"
) -> list[str]:
    """Approved experts for draws (names, ID numbers and employers invented; ID check digits valid)."""
    from stdnum.cn import ric

    from ggzy.experts.actions import apply, approve
    from ggzy.experts.schemas import ExpertForm

    rng = random.Random(f"experts-{tag}")  # noqa: S311 - demo data
    usernames = []
    for i in range(count):
        body = f"{region}{rng.randint(1960, 1985)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        number = body + ric.calc_check_digit(body + "0")
        username = f"{tag}{i + 1:02d}"
        form = ExpertForm(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            id_number=number,
            mobile="139" + "".join(rng.choice("0123456789") for _ in range(8)),
            employer_name=f"宁夏{rng.choice(TRADE_WORDS)}工程设计研究院",
            employer_uscc=build_uscc("12", region, f"{rng.randrange(10**7, 10**8)}"),
            region_code=region,
            title="高级工程师",
            title_level="senior",
            practice_since=date(2005, 1, 1),
            specialties=[specialty],
        )
        account = AccountIn(username=username, password=DEMO_PASSWORD, name=form.name, mobile=form.mobile)
        expert = apply(Actor.anonymous("127.0.0.1"), form, account)
        approve(actor, expert.code)
        usernames.append(username)
    return usernames


@dataclass
class Login:
    role: str
    username: str
    note: str


@dataclass
class DemoResult:
    nodes: int = 0
    entities: int = 0
    logins: list[Login] = field(default_factory=list)


class DemoBuilder:
    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.actor = Actor.system("demo")
        self.result = DemoResult()
        self.used_usccs: set[str] = set()

    # -- helpers -----------------------------------------------------------------------------------
    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def mobile(self) -> str:
        return "139" + "".join(self.rng.choice("0123456789") for _ in range(8))

    def uscc(self, prefix: str, region: str) -> str:
        while True:
            body = "".join(self.rng.choice("0123456789") for _ in range(8))
            code = build_uscc(prefix, region, body)
            if code not in self.used_usccs:
                self.used_usccs.add(code)
                return code

    def account(self, username: str, role: str, note: str) -> AccountIn:
        self.result.logins.append(Login(role, username, note))
        return AccountIn(username=username, password=DEMO_PASSWORD, name=self.person(), mobile=self.mobile())

    # -- steps -------------------------------------------------------------------------------------
    def build(self) -> DemoResult:
        self.calendar()
        province = self.nodes()
        load_national_catalogue(self.actor, province.pk)
        self.departments_and_staff(province)
        self.entities()
        for username in add_experts(self.actor, 12, "expert"):
            self.result.logins.append(Login("expert", username, "评标专家（已入库，可被随机抽取）"))
        register_public_user(Actor.anonymous("127.0.0.1"), self.account("citizen", "public", "社会公众"))
        return self.result

    def calendar(self) -> None:
        this_year = clock.today().year
        for year in (this_year - 1, this_year, this_year + 1):
            try:
                load_official_calendar(self.actor, year)
            except Exception:  # noqa: S112 - a year not yet published stays weekends-only
                continue

    def nodes(self) -> Node:
        region, name, code = PROVINCE
        province = create_node(
            self.actor, name=name, level="province", region_code=region, platform_code=code
        )
        self.result.nodes += 1
        for region, name, code, branches in CITIES:
            city = create_node(
                self.actor,
                name=name,
                level="city",
                region_code=region,
                parent_id=province.pk,
                platform_code=code,
            )
            self.result.nodes += 1
            for county in branches:
                county_name = Region.objects.get(code=county).name
                create_node(
                    self.actor,
                    name=f"{name}{county_name}分中心",
                    level="branch",
                    region_code=county,
                    parent_id=city.pk,
                )
                self.result.nodes += 1
        return province

    def departments_and_staff(self, province: Node) -> None:
        first_dept: Department | None = None
        for name, sectors in PROVINCE_DEPARTMENTS:
            dept = create_department(
                self.actor, DepartmentIn(name=name, node_id=province.pk, sectors=sectors)
            )
            first_dept = first_dept or dept
        for city in Node.objects.filter(level=Node.Level.CITY):
            city_short = city.name.removesuffix("公共资源交易中心")
            for suffix, sectors in CITY_DEPARTMENTS:
                create_department(
                    self.actor, DepartmentIn(name=city_short + suffix, node_id=city.pk, sectors=sectors)
                )
        housing = Department.objects.get(name="宁夏回族自治区住房和城乡建设厅")
        finance = Department.objects.get(name="宁夏回族自治区财政厅")
        yinchuan = Node.objects.get(region_id="640100")
        staff = [
            ("operator", "operator", province.pk, None, "省交易中心工作人员"),
            ("operator", "yc_operator", yinchuan.pk, None, "银川市交易中心工作人员"),
            ("regulator", "zjt_regulator", province.pk, housing.pk, "自治区住房和城乡建设厅"),
            ("regulator", "czt_regulator", province.pk, finance.pk, "自治区财政厅"),
        ]
        for kind, username, node_id, dept_id, note in staff:
            account = self.account(username, kind, note)
            create_staff_account(
                self.actor,
                StaffAccountIn(**account.dict(), kind=kind, node_id=node_id, department_id=dept_id),
            )

    def entities(self) -> None:
        counties = ["640104", "640105", "640106", "640121", "640122", "640181", "640202", "640205", "640221",
                    "640302", "640323", "640381", "640402", "640502"]  # fmt: skip
        words = iter(self.rng.sample(TRADE_WORDS, len(TRADE_WORDS)))
        # Bidders: 20 from the province, 2 from other provinces (no local barriers, R3.3).
        for i in range(22):
            suffix, qual, level = BIDDER_KINDS[i % len(BIDDER_KINDS)]
            outside = i >= 20
            region = ["610000", "320000"][i - 20] if outside else self.rng.choice(counties)
            place = ["陕西", "江苏"][i - 20] if outside else "宁夏"
            word = next(words) if i < len(TRADE_WORDS) else f"第{i}"
            quals = []
            if qual:
                quals.append(
                    QualificationIn(
                        name=qual,
                        level=level,
                        certificate_no=f"D{self.rng.randrange(10**8, 10**9)}",
                        issuer="住房和城乡建设主管部门",
                        valid_until=date(2028 + i % 3, 6, 30),
                    )
                )
            self.register(f"{place}{word}{suffix}", ["bidder"], region, "91", quals, f"bidder{i + 1:02d}")
        # Agents.
        for i, word in enumerate(["正信", "中诚", "明德", "公正", "诚信"], start=1):
            self.register(f"宁夏{word}招标代理有限公司", ["agent"], "640106", "91", [], f"agent{i:02d}")
        # Principals: public bodies and state-owned companies.
        principals = [
            ("银川市第一中学", "640104", "12"),
            ("银川市市政管理局", "640104", "11"),
            ("宁夏交通建设投资集团有限公司", "640106", "91"),
            ("吴忠市水务局", "640302", "11"),
            ("石嘴山市人民医院", "640202", "12"),
            ("宁夏水务投资集团有限公司", "640105", "91"),
        ]
        for i, (name, region, prefix) in enumerate(principals, start=1):
            self.register(name, ["principal"], region, prefix, [], f"principal{i:02d}")
        # Guarantors (电子保函).
        for i, name in enumerate(["宁夏塞上融资担保有限公司", "银川黄河融资担保有限公司"], start=1):
            self.register(name, ["guarantor"], "640106", "91", [], f"guarantor{i:02d}")

    def register(
        self,
        name: str,
        kinds: list[str],
        region: str,
        prefix: str,
        quals: list[QualificationIn],
        username: str,
    ) -> None:
        form = EntityForm(
            uscc=self.uscc(prefix, region),
            name=name,
            kinds=kinds,
            legal_representative=self.person(),
            address=f"{name}办公地址",
            region_code=region,
            contacts=[ContactIn(name=self.person(), mobile=self.mobile(), is_primary=True)],
            qualifications=quals,
        )
        register_entity(self.actor, form, self.account(username, kinds[0], name))
        self.result.entities += 1
