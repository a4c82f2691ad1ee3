"""An entity's own pages: keep the one registration form current (一表申请), register certificates, apply
to the provincial supplier library; and the library's page for the province's trading centre."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ggzy.exchange.queries import operates_province
from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.pages import refusal_status, shows_errors
from ggzy.kernel.roles import Role
from ggzy.registry import actions, queries, suppliers
from ggzy.registry.auth import actor_from_request
from ggzy.registry.certificates import recognised_ca_names
from ggzy.registry.models import CertificateChallenge, EntityKind
from ggzy.registry.schemas import CertificateIn, ContactIn, EntityChange

SIGNING_HINT = (
    "openssl dgst -sm3 -sign 证书私钥.pem -sigopt distid:1234567812345678 -out sig.der challenge.txt"
    " && xxd -p sig.der | tr -d '\\n'"
)


class EntityChangeForm(forms.Form):
    name = forms.CharField(label="主体名称", max_length=200)
    legal_representative = forms.CharField(label="法定代表人", max_length=64)
    address = forms.CharField(label="住所", max_length=300)
    region_code = forms.CharField(label="行政区划代码", max_length=6)
    contact_name = forms.CharField(label="主要联系人", max_length=64)
    contact_mobile = forms.CharField(label="联系人手机", max_length=20)
    contact_email = forms.EmailField(label="联系人邮箱", required=False)


class LibraryForm(forms.Form):
    categories = forms.CharField(
        label="申请入库的品目", max_length=200, help_text="如 B（货物）、B01、C02（服务），多个以空格分隔"
    )


class CertificateForm(forms.Form):
    certificate = forms.CharField(
        label="数字证书（PEM，平台认可的CA颁发的SM2证书）", widget=forms.Textarea({"rows": 8})
    )
    challenge = forms.CharField(widget=forms.HiddenInput, max_length=64)
    signature = forms.CharField(
        label="对上面挑战消息的SM2签名（DER，hex或base64）", widget=forms.Textarea({"rows": 3})
    )


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
    cert_form = CertificateForm(request.POST if "register_certificate" in request.POST else None)
    library_form = LibraryForm(request.POST if "library_apply" in request.POST else None)
    challenge = None
    error: GgzyError | None = None
    if request.method == "POST":
        try:
            if "challenge_request" in request.POST:
                issued = actions.issue_certificate_challenge(actor, entity.uscc)
                challenge = {"message": actions.challenge_text(issued), "expires_at": issued.expires_at}
                cert_form = CertificateForm(initial={"challenge": issued.nonce})
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
            if "library_apply" in request.POST and library_form.is_valid():
                suppliers.apply_to_library(
                    actor, entity.uscc, library_form.cleaned_data["categories"].split()
                )
                messages.success(request, "入库申请已提交，由省级交易中心审核。")
                return redirect("registry:mine")
            if "library_exit" in request.POST:
                suppliers.exit_library(actor, int(request.POST.get("entry", "0") or 0), "")
                messages.success(request, "已退出该品目。")
                return redirect("registry:mine")
            if "register_certificate" in request.POST and cert_form.is_valid():
                actions.register_certificate(actor, entity.uscc, CertificateIn(**cert_form.cleaned_data))
                messages.success(request, "数字证书已登记，全省各交易平台互认。")
                return redirect("registry:mine")
        except GgzyError as exc:
            error = exc
    if challenge is None and "register_certificate" in request.POST and actor.user_id is not None:
        # the same challenge again while it lasts
        pending = CertificateChallenge.objects.filter(
            nonce=request.POST.get("challenge", ""),
            entity=entity,
            user_id=actor.user_id,
            used_at__isnull=True,
            expires_at__gt=clock.now(),
        ).first()
        if pending is not None:
            challenge = {"message": actions.challenge_text(pending), "expires_at": pending.expires_at}
    context = {
        "entity": private,
        "versions": entity.versions.order_by("-version")[:20],
        "certificates": entity.certificates.all(),
        "change_form": change_form,
        "cert_form": cert_form,
        "challenge": challenge,
        "signing_hint": SIGNING_HINT,
        "recognised_cas": recognised_ca_names(),
        "error": error,
        "can_manage": actor.is_entity_admin,
        "is_supplier": entity.kinds.filter(kind=EntityKind.BIDDER).exists(),
        "library_entries": entity.library_entries.all(),
        "library_form": library_form,
    }
    return render(request, "registry/mine.html", context, status=refusal_status(error) if error else 200)


@login_required
@shows_errors
def library(request: HttpRequest) -> HttpResponse:
    """The supplier library: pending applications for the province's centre, the admitted list for all."""
    actor = actor_from_request(request)
    keeper = actor.has(Role.OPERATOR) and operates_province(actor)
    error: GgzyError | None = None
    if request.method == "POST":
        try:
            entry = int(request.POST.get("entry", "0") or 0)
            reason = request.POST.get("reason", "")
            if request.POST.get("do") == "remove":
                suppliers.exit_library(actor, entry, reason)
            else:
                suppliers.decide_library_entry(actor, entry, request.POST.get("do") == "admit", reason)
            messages.success(request, "已处理。")
            return redirect("registry:library")
        except GgzyError as exc:
            error = exc
    context = {
        "keeper": keeper,
        "pending": suppliers.listing(actor, pending=True) if keeper else [],
        "admitted": suppliers.listing(actor),
        "rule": suppliers.LIBRARY,
        "error": error,
    }
    return render(request, "registry/library.html", context, status=refusal_status(error) if error else 200)
