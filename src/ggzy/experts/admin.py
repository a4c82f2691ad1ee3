"""Read-only admin for operators. Personal data appears masked; the seed and secret of a draw never; drawn experts
only for draws whose lot has reached its evaluation (the seal of `queries.sealed_draws`)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ggzy.experts.models import Assessment, DrawnExpert, DrawRequest, Expert, Specialty, StatusChange
from ggzy.experts.queries import sealed_draws
from ggzy.kernel import clock
from ggzy.kernel.admin import ReadOnlyAdmin


@admin.register(Specialty)
class SpecialtyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "parent", "provisional"]
    list_filter = ["level", "provisional"]
    search_fields = ["code", "name"]


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "name",
        "id_masked",
        "mobile_masked",
        "employer_name",
        "title_level",
        "status",
        "score",
    ]
    list_filter = ["status", "title_level"]
    search_fields = ["code", "name", "employer_name", "employer_uscc"]
    exclude = ["id_digest", "mobile", "user"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["expert", "from_status", "to_status", "until", "changed_by", "changed_at"]
    list_filter = ["to_status"]


@admin.register(DrawRequest)
class DrawRequestAdmin(ReadOnlyAdmin):
    list_display = ["number", "lot", "procedure", "status", "evaluation_at", "seed_commitment"]
    list_filter = ["status", "procedure"]
    exclude = ["seed", "secret", "secret_sealed"]


@admin.register(DrawnExpert)
class DrawnExpertAdmin(ReadOnlyAdmin):
    list_display = ["draw", "seq", "expert", "status", "called_at", "responded_at"]
    list_filter = ["status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).exclude(draw_id__in=sealed_draws(clock.now()))


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["expert", "rater_role", "total", "created_at"]
    list_filter = ["rater_role"]
