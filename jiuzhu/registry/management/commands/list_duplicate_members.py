"""`manage.py list_duplicate_members [--area CODE]`: the people active in more than one household — data that
came in before the one-household rule (A1). Migration registry 0003 keeps such rows (it cannot know which
household is right) and marks all but the earliest; staff resolve each with 迁移 or 离户. The S6 warning
"同一人登记在多个家庭" lists the same people per township. Only masked numbers are printed."""

from django.core.management.base import BaseCommand

from jiuzhu.registry.selectors import duplicate_memberships


class Command(BaseCommand):
    help = "列出同时是多个家庭在户成员的人员（一人一户规则施行前的数据），身份证号脱敏显示"

    def add_arguments(self, parser):
        parser.add_argument("--area", default="", help="只列出该区划（乡镇或村的12位代码）内的登记")

    def handle(self, *args, **options):
        groups = duplicate_memberships(options["area"])
        for members in groups.values():
            first = members[0]
            self.stdout.write(f"{first.name}（{first.id_masked}）在 {len(members)} 个家庭中登记为在户成员：")
            for m in members:
                mark = "（规则施行前重复）" if m.duplicate_before_rule else ""
                self.stdout.write(
                    f"  家庭编号 {m.household_id} {m.household} {m.area_code} {m.household.address}"
                    f" · {m.get_relation_display()}{mark}"
                )
        self.stdout.write(f"共 {len(groups)} 人")
