"""An entity's own pages: keep the one registration form current (一表申请) and register certificates."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ggzy.kernel.errors import GgzyError
from ggzy.registry import actions, queries
from ggzy.registry.auth import actor_from_request
from ggzy.registry.schemas import CertificateIn, ContactIn, EntityChange
from ggzy.web.pages import BeijingDateTimeField, refusal_status, shows_errors


class EntityChangeForm(forms.Form):
    name = forms.CharField(label="主体名称", max_length=200)
    legal_representative = forms.CharField(label="法定代表人", max_length=64)
    address = forms.CharField(label="住所", max_length=300)
    region_code = forms.CharField(label="行政区划代码", max_length=6)
    contact_name = forms.CharField(label="主要联系人", max_length=64)
    contact_mobile = forms.CharField(label="联系人手机", max_length=20)
    contact_email = forms.EmailField(label="联系人邮箱", required=False)


class CertificateForm(forms.Form):
    issuer = forms.ChoiceField(label="颁发机构（平台认可的CA）")
    serial = forms.CharField(label="证书序列号", max_length=64)
    public_key = forms.CharField(label="SM2公钥（PEM或hex）", widget=forms.Textarea({"rows": 5}))
    valid_from = BeijingDateTimeField(label="生效时间")
    valid_until = BeijingDateTimeField(label="失效时间")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["issuer"].choices = [(ca, ca) for ca in settings.RECOGNISED_CAS]  # type: ignore[attr-defined]


@login_required
@shows_errors
def my_entity(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    entity = queries.entity_of(actor)
    private = queries.private_view(queries.entity_by_uscc(entity.uscc))
    primary = private.contacts[0] if private.contacts else None
    initial = {
        "name": entity.name,
        "legal_representative": entity.legal_representative,
        "address": entity.address,
        "region_code": entity.region_id,
        "contact_name": primary.name if primary else "",
        "contact_mobile": primary.mobile if primary else "",
        "contact_email": primary.email if primary else "",
    }
    change_form = EntityChangeForm(request.POST if "change" in request.POST else None, initial=initial)
    cert_form = CertificateForm(request.POST if "certificate" in request.POST else None)
    error: GgzyError | None = None
    if request.method == "POST":
        try:
            if "change" in request.POST and change_form.is_valid():
                data = change_form.cleaned_data
                contact = ContactIn(
                    name=data["contact_name"],
                    mobile=data["contact_mobile"],
                    email=data["contact_email"],
                    is_primary=True,
                )
                others = private.contacts[1:]
                actions.change_entity(
                    actor,
                    entity.uscc,
                    EntityChange(
                        name=data["name"],
                        legal_representative=data["legal_representative"],
                        address=data["address"],
                        region_code=data["region_code"],
                        contacts=[contact, *[ContactIn(**c.dict()) for c in others]],
                    ),
                )
                messages.success(request, "登记信息已变更，已生成新版本。")
                return redirect("registry:mine")
            if "certificate" in request.POST and cert_form.is_valid():
                actions.register_certificate(actor, entity.uscc, CertificateIn(**cert_form.cleaned_data))
                messages.success(request, "数字证书已登记，全省各交易平台互认。")
                return redirect("registry:mine")
        except GgzyError as exc:
            error = exc
    context = {
        "entity": private,
        "versions": entity.versions.order_by("-version")[:20],
        "certificates": entity.certificates.all(),
        "change_form": change_form,
        "cert_form": cert_form,
        "error": error,
        "can_manage": actor.is_entity_admin,
    }
    return render(request, "registry/mine.html", context, status=refusal_status(error) if error else 200)
