from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "jiuzhu.documents"
    label = "documents"
    verbose_name = "文书档案"

    def ready(self) -> None:
        from jiuzhu.core import audit
        from jiuzhu.core.navigation import NavItem, register
        from jiuzhu.orgs.roles import Perm

        audit.register_actions(
            {
                "attachment.store": "上传附件",
                "attachment.view": "查看附件",
                "document.issue": "出具文书",
                "document.view": "查看文书",
                "document.revoke": "作废文书",
                "template.save": "保存文书模板",
                "template.restore_default": "恢复默认文书模板",
                "numbering.prefix_set": "设置文号字头",
                "numbering.void": "文号登记为空号",
            }
        )
        register(
            NavItem("文书档案", "已出具文书", "documents", "file-earmark-text", Perm.VIEW, 10),
            NavItem("文书档案", "发文登记", "number_register", "list-ol", Perm.VIEW, 15),
            NavItem(
                "文书档案", "文书模板", "document_templates", "file-earmark-code", Perm.TEMPLATE_EDIT, 20
            ),
        )
