from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ggzy.registry"
    label = "registry"
    verbose_name = "市场主体与用户 Registry"

    def ready(self) -> None:
        from ggzy.kernel import audit, chronograph
        from ggzy.registry import queries
        from ggzy.registry.actions import expire_qualification, recheck_certificate
        from ggzy.registry.models import Certificate, Qualification

        chronograph.register(Qualification, expire_qualification)
        chronograph.register(Certificate, recheck_certificate)
        audit.register_trail_reader("registry.entity", queries.may_read_entity_trail)
