from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ggzy.demo.builder import DEMO_PASSWORD, DemoBuilder
from ggzy.exchange.models import Node
from ggzy.kernel.roles import ROLE_LABELS, Role
from ggzy.registry.democa import demo_ca


class Command(BaseCommand):
    help = "Load the demo platform: Ningxia's node network, departments, entities and a user for every role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the platform has nodes")

    def handle(self, *args: Any, **options: Any) -> None:
        authority = demo_ca()  # the demo CA, recognised through the CA folder (R3.2 互认)
        self.stdout.write(f"演示CA demo CA: {authority.name}（{settings.CA_ROOTS_DIR}）")
        if Node.objects.exists():
            if options["if_empty"]:
                self.stdout.write("演示数据已存在 demo data already loaded")
                return
            self.stderr.write("平台已有数据，演示数据只能装入空库 the platform is not empty")
            raise SystemExit(1)
        result = DemoBuilder().build()
        self.stdout.write(f"演示数据已装入：{result.nodes} 个平台节点，{result.entities} 家市场主体")
        self.stdout.write(f"所有演示账户的密码 password for every demo account: {DEMO_PASSWORD}")
        self.stdout.write("登录 http://127.0.0.1:8000/login/ :")
        shown: set[str] = set()
        listed = 0
        for login in result.logins:
            first_of_role = login.role not in shown
            shown.add(login.role)
            if first_of_role or login.role in {"operator", "regulator"}:
                label = ROLE_LABELS[Role(login.role)]
                self.stdout.write(f"  {label:<10} {login.username:<15} {login.note}")
                listed += 1
        others = len(result.logins) - listed
        self.stdout.write(
            f"  另有 {others} 个主体账户（bidderNN、agentNN、principalNN、guarantorNN），同一密码"
        )
