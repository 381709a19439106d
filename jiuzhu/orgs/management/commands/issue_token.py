from django.core.management.base import BaseCommand, CommandError

from jiuzhu.core.errors import DomainError
from jiuzhu.orgs.models import User
from jiuzhu.orgs.services import token_issue


class Command(BaseCommand):
    help = "为某个账号生成个人访问令牌（用于系统对接）；令牌只打印这一次"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="系统对接")
        parser.add_argument("--write", action="store_true", help="允许写入（默认只读）")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认长期）")

    def handle(self, *args, username: str, name: str, write: bool, days: int | None, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有有效账号 {username}")
        try:
            issued = token_issue(
                user=user, name=name, scopes=["read", "write"] if write else ["read"], days=days
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(issued.raw)
