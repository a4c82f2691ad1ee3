"""The evaluation of a lot and what follows it: plan, committee, scores, report, candidates, award, contract.

The plan is part of the tender documents (set before the deadline). The committee's work is recorded
score by score; the report is generated from the records, signed by every member with SM2, and only then
do the candidates go to publicity.
"""

from django.contrib.auth.models import User
from django.db import models

from ggzy.bidding.models import Bid
from ggzy.trading.models import Lot


class EvaluationPlan(models.Model):
    class Method(models.TextChoices):
        LOWEST_PRICE = "lowest_price", "经评审的最低投标价法"
        COMPREHENSIVE = "comprehensive", "综合评估法"

    lot = models.OneToOneField(Lot, models.PROTECT, related_name="evaluation_plan")
    method = models.CharField("评标办法", max_length=16, choices=Method.choices)
    price_points = models.DecimalField("价格分满分", max_digits=6, decimal_places=2, default=0)
    # [{"code": "T1", "name": "施工组织设计", "kind": "technical", "max_points": "20"}, ...]
    criteria = models.JSONField("评分因素", default=list)
    # 小微企业价格扣除 (财库〔2020〕46号 第9条): a declared small or micro enterprise's price × (1 − this)
    # takes part in the evaluation; 0: none (e.g. a project reserved for SMEs, or not procurement).
    sme_deduction = models.DecimalField("小微企业价格扣除比例", max_digits=5, decimal_places=4, default=0)
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "评标办法"

    def __str__(self) -> str:
        return f"{self.lot_id} {self.get_method_display()}"


class Evaluation(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "评标中"
        SIGNING = "signing", "评标报告签署中"
        REPORTED = "reported", "已提交评标报告"

    lot = models.OneToOneField(Lot, models.PROTECT, related_name="evaluation")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    planned_end = models.DateTimeField("计划结束时间")
    report_html = models.TextField(blank=True)
    report_pdf = models.FileField(upload_to="reports/", blank=True)
    report_sm3 = models.CharField(max_length=64, blank=True)
    reported_at = models.DateTimeField("评标报告提交时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评标"

    def __str__(self) -> str:
        return f"评标 {self.lot_id}"


class CommitteeMember(models.Model):
    class Kind(models.TextChoices):
        EXPERT = "expert", "评标专家"
        REPRESENTATIVE = "representative", "招标人代表"

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="members")
    user = models.ForeignKey(User, models.PROTECT, related_name="committee_seats")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    is_chair = models.BooleanField("组长", default=False)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    no_conflict_declared_at = models.DateTimeField(null=True, blank=True)
    public_key = models.CharField("签名公钥（hex）", max_length=130, blank=True)
    asked_extension_at = models.DateTimeField(null=True, blank=True)
    report_signature = models.TextField("评标报告签名（DER hex）", blank=True)
    signed_report_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "user"], name="one_seat_per_member")]
        verbose_name = verbose_name_plural = "评标委员会成员"

    def __str__(self) -> str:
        return f"{self.evaluation_id}/{self.user_id}"


class Score(models.Model):
    member = models.ForeignKey(CommitteeMember, models.CASCADE, related_name="scores")
    bid = models.ForeignKey(Bid, models.PROTECT, related_name="scores")
    criterion = models.CharField(max_length=16)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "bid", "criterion"], name="one_score_per_item")
        ]
        verbose_name = verbose_name_plural = "评分"

    def __str__(self) -> str:
        return f"{self.member_id} {self.bid_id} {self.criterion}={self.points}"


class Rejection(models.Model):
    """否决投标 on one of the grounds of 条例 第51条, with the committee's reason."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="rejections")
    bid = models.OneToOneField(Bid, models.PROTECT, related_name="rejection")
    ground = models.CharField(max_length=24)
    reason = models.TextField()
    decided_by = models.ForeignKey(CommitteeMember, models.PROTECT)
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "否决投标"

    def __str__(self) -> str:
        return f"{self.bid_id} {self.ground}"


class Clarification(models.Model):
    """A question of the committee to one bidder (e.g. an abnormally low price) and the bidder's answer."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="clarifications")
    bid = models.ForeignKey(Bid, models.PROTECT, related_name="clarifications")
    question = models.TextField()
    asked_by = models.ForeignKey(CommitteeMember, models.PROTECT)
    asked_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评标澄清"

    def __str__(self) -> str:
        return f"澄清 {self.bid_id}"


class Candidate(models.Model):
    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="candidates")
    bid = models.OneToOneField(Bid, models.PROTECT, related_name="candidacy")
    rank = models.PositiveSmallIntegerField()
    price = models.DecimalField(max_digits=16, decimal_places=2)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["evaluation_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "rank"], name="one_candidate_per_rank")]
        verbose_name = verbose_name_plural = "中标候选人"

    def __str__(self) -> str:
        return f"{self.rank}: {self.bid_id}"


class Award(models.Model):
    """Publicity of the candidates (or, in procurement, of the result), the award, the contract and the
    report to the supervisor."""

    lot = models.OneToOneField(Lot, models.PROTECT, related_name="award")
    publicity_from = models.DateTimeField()
    publicity_until = models.DateTimeField()
    winner = models.OneToOneField(Bid, models.PROTECT, null=True, blank=True, related_name="award")
    awarded_at = models.DateTimeField("中标通知书发出时间", null=True, blank=True)
    contract_due = models.DateTimeField("合同签订期限", null=True, blank=True)
    report_due = models.DateTimeField("书面报告期限", null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    contract_signed_at = models.DateTimeField(null=True, blank=True)
    contract_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    performance_bond = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    contract_sm3 = models.CharField(max_length=64, blank=True)
    contract_late = models.BooleanField(default=False)
    report_late = models.BooleanField(default=False)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)
    # Procurement (87号令 第68条): the first-ranked was deemed chosen when the purchaser let 5 working days
    # pass; or the purchaser's lawful reason for passing over the first-ranked candidate.
    deemed = models.BooleanField("视同确定排名第一", default=False)
    decision_reason = models.TextField("未确定排名第一的理由", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "定标与合同"

    def __str__(self) -> str:
        return f"定标 {self.lot_id}"


class NegotiationMessage(models.Model):
    """One message in the channel between the whole panel and one supplier (竞争性谈判/磋商: the panel meets
    each supplier separately, 74号令 第31条). Every message is kept; a supplier sees only its own channel."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="messages")
    supplier = models.ForeignKey("registry.Entity", models.PROTECT, related_name="negotiation_messages")
    from_panel = models.BooleanField("谈判小组发出")
    author = models.ForeignKey(User, models.PROTECT, related_name="negotiation_messages")
    text = models.TextField()
    sent_at = models.DateTimeField()
    # The written notice of a confirmed change of the requirements, as it reached this supplier.
    change = models.ForeignKey(
        "RequirementChange", models.PROTECT, null=True, blank=True, related_name="notices"
    )

    class Meta:
        ordering = ["evaluation_id", "sent_at", "id"]
        verbose_name = verbose_name_plural = "谈判记录"

    def __str__(self) -> str:
        return f"{self.evaluation_id}/{self.supplier_id} {self.sent_at:%Y-%m-%d %H:%M}"


class RequirementChange(models.Model):
    """A substantive change of the technical or service requirements or of the draft contract made in
    negotiation: confirmed by the purchaser's representative, then sent in writing to every supplier still
    negotiating, who responds to it in the next round (74号令 第32条; 214号 第19条)."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="requirement_changes")
    text = models.TextField("实质性变动内容")
    proposed_by = models.ForeignKey(CommitteeMember, models.PROTECT, related_name="proposed_changes")
    proposed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="confirmed_requirement_changes"
    )
    confirmed_at = models.DateTimeField("采购人代表确认时间", null=True, blank=True)
    # Not confirmed: withdrawn by the panel or declined by the purchaser's representative; it goes nowhere.
    withdrawn_at = models.DateTimeField("撤回或不予确认时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="withdrawn_requirement_changes"
    )

    class Meta:
        ordering = ["evaluation_id", "proposed_at", "id"]
        verbose_name = verbose_name_plural = "采购需求实质性变动"

    def __str__(self) -> str:
        return f"变动 {self.evaluation_id}#{self.pk}"


class FrameworkAgreement(models.Model):
    """A closed framework agreement (封闭式框架协议, 财政部令第110号): the suppliers its call admitted (入围)
    at their response prices, the term, and the purchases made under it (call-offs)."""

    class Status(models.TextChoices):
        ADMITTED = "admitted", "已确定入围供应商"
        ACTIVE = "active", "框架协议有效"
        EXPIRED = "expired", "已到期"

    lot = models.OneToOneField(Lot, models.PROTECT, related_name="framework")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ADMITTED)
    admitted_at = models.DateTimeField("入围通知时间")
    sign_due = models.DateTimeField("框架协议签订期限")
    signed_at = models.DateTimeField(null=True, blank=True)
    agreement_sm3 = models.CharField("框架协议文本SM3", max_length=64, blank=True)
    term_from = models.DateField("协议期限起", null=True, blank=True)
    term_until = models.DateField("协议期限止", null=True, blank=True)
    filing_due = models.DateTimeField("财政部门备案期限", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "框架协议"

    def __str__(self) -> str:
        return f"框架协议 {self.lot_id}"


class FrameworkMember(models.Model):
    """One admitted supplier: its agreement price (the stage-1 response price, the cap of every call-off)
    and its place in the rotation (顺序轮候: the stage-1 rank)."""

    agreement = models.ForeignKey(FrameworkAgreement, models.CASCADE, related_name="members")
    bid = models.OneToOneField(Bid, models.PROTECT, related_name="framework_membership")
    supplier = models.ForeignKey("registry.Entity", models.PROTECT, related_name="framework_memberships")
    price = models.DecimalField("协议价格（元）", max_digits=16, decimal_places=2)
    order = models.PositiveSmallIntegerField("轮候顺序")

    class Meta:
        ordering = ["agreement_id", "order"]
        constraints = [models.UniqueConstraint(fields=["agreement", "order"], name="one_member_per_order")]
        verbose_name = verbose_name_plural = "入围供应商"

    def __str__(self) -> str:
        return f"{self.agreement_id}#{self.order} {self.supplier_id}"


class CallOff(models.Model):
    """A purchase under a framework agreement (第二阶段): by direct selection or rotation, at the agreement
    price (第32–36条). Rotation gives every member one award per cycle, in the agreement's order."""

    class Method(models.TextChoices):
        DIRECT = "direct", "直接选定"
        ROTATION = "rotation", "顺序轮候"

    agreement = models.ForeignKey(FrameworkAgreement, models.PROTECT, related_name="call_offs")
    purchaser = models.ForeignKey("registry.Entity", models.PROTECT, related_name="call_offs")
    method = models.CharField(max_length=10, choices=Method.choices)
    member = models.ForeignKey(FrameworkMember, models.PROTECT, related_name="call_offs")
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=2)
    unit_price = models.DecimalField("成交单价（元）", max_digits=16, decimal_places=2)
    amount = models.DecimalField("成交金额（元）", max_digits=16, decimal_places=2)
    reason = models.TextField("选定理由", blank=True)
    cycle = models.PositiveIntegerField("轮候周期", default=0)
    awarded_at = models.DateTimeField()
    result_due = models.DateTimeField("成交结果公告期限", null=True, blank=True)

    class Meta:
        ordering = ["agreement_id", "awarded_at", "id"]
        verbose_name = verbose_name_plural = "框架协议采购合同授予"

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.method} {self.member_id}"
