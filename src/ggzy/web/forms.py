"""Web forms: they only collect input; the registry actions check it and write."""

from django import forms

from ggzy.registry.models import EntityKind


class EntityRegistrationForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=32)
    name = forms.CharField(label="主体名称", max_length=200)
    kinds = forms.MultipleChoiceField(
        label="主体类型", choices=EntityKind.choices, widget=forms.CheckboxSelectMultiple
    )
    legal_representative = forms.CharField(label="法定代表人", max_length=64)
    address = forms.CharField(label="住所", max_length=300)
    region_code = forms.CharField(
        label="行政区划代码", max_length=6, help_text="GB/T 2260 六位代码，如 640104"
    )
    contact_name = forms.CharField(label="联系人", max_length=64)
    contact_mobile = forms.CharField(label="联系人手机", max_length=20)
    contact_email = forms.EmailField(label="联系人邮箱", required=False)
    qualification_name = forms.CharField(label="资质名称（可选）", max_length=100, required=False)
    qualification_level = forms.CharField(label="资质等级", max_length=32, required=False)
    qualification_certificate_no = forms.CharField(label="证书编号", max_length=64, required=False)
    qualification_valid_until = forms.DateField(
        label="有效期至", required=False, widget=forms.DateInput({"type": "date"})
    )
    username = forms.CharField(label="管理员用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, max_length=128)
    account_name = forms.CharField(label="管理员姓名", max_length=64)
    account_mobile = forms.CharField(label="管理员手机", max_length=20)
