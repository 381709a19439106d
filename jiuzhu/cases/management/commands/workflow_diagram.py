"""`manage.py workflow_diagram`: rewrite docs/workflow.md from the transition table after changing it."""

from django.core.management.base import BaseCommand

from jiuzhu.cases.diagram import DOC, render


class Command(BaseCommand):
    help = "由流转表生成 docs/workflow.md（状态图与流转表）"

    def handle(self, *args, **options):
        DOC.write_text(render(), encoding="utf-8")
        self.stdout.write(f"已写入 {DOC}")
