"""Integrated supervision (R9): alerts with their evidence and legal basis, complaints and reports,
regulators' instructions, and the collusion screen of each lot."""

from django.db import models

from ggzy.kernel.models import Region
from ggzy.registry.models import Department, Entity
from ggzy.trading.models import Lot, Objection, Project


class Alert(models.Model):
    """One finding of an alert rule, routed to the competent department's queue (R9.1).

    `evidence` is shown verbatim; `basis_*` is the rule's legal basis at the time it fired. `key` makes a
    finding unique per rule, so that event hooks and the nightly sweep never raise the same alert twice.
    """

    class Status(models.TextChoices):
        NEW = "new", "待处理"
        REVIEWING = "reviewing", "核查中"
        DISMISSED = "dismissed", "已排除"
        CONFIRMED = "confirmed", "已确认"
        TRANSFERRED = "transferred", "已移交"

    class Severity(models.TextChoices):
        LOW = "low", "低"
        MEDIUM = "medium", "中"
        HIGH = "high", "高"
        CRITICAL = "critical", "严重"

    rule_id = models.CharField("预警规则", max_length=16, db_index=True)
    rule_name = models.CharField("规则名称", max_length=100)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    basis_citation = models.CharField("法律依据", max_length=300)
    basis_text = models.TextField("依据条文")
    key = models.CharField("去重键", max_length=200)
    title = models.CharField("摘要", max_length=300)
    evidence = models.JSONField("证据")
    score = models.FloatField("风险分", null=True, blank=True)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="alerts", verbose_name="主管部门"
    )
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+")
    project = models.ForeignKey(Project, models.PROTECT, null=True, blank=True, related_name="alerts")
    lot = models.ForeignKey(Lot, models.PROTECT, null=True, blank=True, related_name="alerts")
    entity = models.ForeignKey(Entity, models.PROTECT, null=True, blank=True, related_name="alerts")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.NEW)
    note = models.TextField("处理意见", blank=True)
    transferred_to = models.CharField("移交单位", max_length=200, blank=True)
    raised_at = models.DateTimeField("预警时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule_id", "key"], name="alert_once_per_finding")]
        indexes = [models.Index(fields=["department", "status"])]
        verbose_name = verbose_name_plural = "监管预警"

    def __str__(self) -> str:
        return f"{self.rule_id} {self.title}"


class AlertMove(models.Model):
    """One step of an alert's handling (new → reviewing → dismissed / confirmed → transferred)."""

    alert = models.ForeignKey(Alert, models.CASCADE, related_name="moves")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    moved_by = models.CharField(max_length=150)
    moved_at = models.DateTimeField()

    class Meta:
        ordering = ["alert_id", "moved_at", "id"]
        verbose_name = verbose_name_plural = "预警处理记录"

    def __str__(self) -> str:
        return f"{self.alert_id} {self.from_status}→{self.to_status}"


class Case(models.Model):
    """A complaint (投诉, by a party, 条例 第60–61条) or a report (举报, by anyone, possibly anonymous)."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", "投诉"
        REPORT = "report", "举报"

    class Matter(models.TextChoices):
        DOCUMENTS = "documents", "资格预审文件或招标文件（条例第22条）"
        OPENING = "opening", "开标（条例第44条）"
        RESULT = "result", "评标结果（条例第54条）"
        OTHER = "other", "其他违法行为"

    class Status(models.TextChoices):
        RECEIVED = "received", "已收到，待决定是否受理"
        ACCEPTED = "accepted", "已受理"
        REFUSED = "refused", "不予受理"
        DECIDED = "decided", "已作出处理决定"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "投诉成立"
        PARTLY = "partly", "部分成立"
        DISMISSED = "dismissed", "驳回投诉"
        REPORT_CONFIRMED = "confirmed", "举报属实"
        REPORT_UNFOUNDED = "unfounded", "举报不实"

    number = models.CharField("编号", max_length=24, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    matter = models.CharField("事项", max_length=10, choices=Matter.choices, default=Matter.OTHER)
    department = models.ForeignKey(Department, models.PROTECT, related_name="cases", verbose_name="受理部门")
    project = models.ForeignKey(Project, models.PROTECT, null=True, blank=True, related_name="cases")
    lot = models.ForeignKey(Lot, models.PROTECT, null=True, blank=True, related_name="cases")
    objection = models.ForeignKey(Objection, models.PROTECT, null=True, blank=True, related_name="cases")
    complainant = models.ForeignKey(Entity, models.PROTECT, null=True, blank=True, related_name="complaints")
    filed_by_user_id = models.BigIntegerField(null=True, blank=True)
    anonymous = models.BooleanField("匿名", default=False)
    contact = models.CharField("联系方式（可选，不公开）", max_length=100, blank=True)
    request = models.TextField("请求事项", blank=True)
    text = models.TextField("事实与理由")
    known_on = models.DateField("知道或者应当知道之日", null=True, blank=True)
    received_at = models.DateTimeField("收到时间")
    accept_due = models.DateTimeField("受理决定期限")
    accepted_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    decision_due = models.DateTimeField("处理决定期限", null=True, blank=True)
    paused_at = models.DateTimeField("中止计时（检验、检测、鉴定、专家评审）", null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    decision = models.TextField("处理决定", blank=True)
    decision_public = models.BooleanField("公开", default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    accept_overdue = models.BooleanField("受理逾期", default=False)
    decision_overdue = models.BooleanField("处理逾期", default=False)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = verbose_name_plural = "投诉举报"

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"


class Instruction(models.Model):
    """A binding instruction of a regulator, issued online (R9.4): suspend, resume, terminate, correct."""

    class Kind(models.TextChoices):
        SUSPEND = "suspend", "责令暂停"
        RESUME = "resume", "恢复"
        TERMINATE = "terminate", "责令终止"
        CORRECT = "correct", "责令改正"

    class Status(models.TextChoices):
        IN_FORCE = "in_force", "执行中"
        LIFTED = "lifted", "已解除"
        COMPLIED = "complied", "已改正"
        DONE = "done", "已执行"

    number = models.CharField("编号", max_length=24, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    department = models.ForeignKey(Department, models.PROTECT, related_name="instructions")
    lot = models.ForeignKey(Lot, models.PROTECT, related_name="instructions")
    case = models.ForeignKey(Case, models.PROTECT, null=True, blank=True, related_name="instructions")
    alert = models.ForeignKey(Alert, models.PROTECT, null=True, blank=True, related_name="instructions")
    suspension = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="resumptions", verbose_name="所解除的暂停"
    )
    reason = models.TextField("理由")
    basis_citation = models.CharField("依据", max_length=300)
    basis_text = models.TextField("依据条文")
    previous_state = models.CharField("暂停前状态", max_length=12, blank=True)
    issued_by = models.CharField(max_length=150)
    issued_at = models.DateTimeField()
    due = models.DateTimeField("期限", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IN_FORCE)
    closed_at = models.DateTimeField(null=True, blank=True)
    compliance = models.TextField("改正情况", blank=True)
    overdue = models.BooleanField("逾期", default=False)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = verbose_name_plural = "监管指令"

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"


class LotScreen(models.Model):
    """The collusion screen of one lot (R9.2): price screens, electronic and network signals, risk."""

    lot = models.OneToOneField(Lot, models.CASCADE, related_name="collusion_screen")
    computed_at = models.DateTimeField()
    bidders = models.PositiveSmallIntegerField()
    priced = models.PositiveSmallIntegerField("有报价的投标")
    screens = models.JSONField("价格筛查指标")
    suspicion = models.JSONField("各指标可疑度（0–1）")
    components = models.JSONField("分项风险（价格/电子/网络）")
    score = models.FloatField("风险分（0–100）")
    pairs = models.JSONField("投标人两两风险", default=list)
    bidder_signals = models.JSONField("投标人信号", default=list)
    reference = models.CharField("参照分布", max_length=40)
    # receipt no. → SM3 of each decrypted file (the bid form excepted), read once from the file store at
    # the opening so that the nightly re-screening compares documents without reading plaintext again.
    documents = models.JSONField("明文文件摘要", default=dict)
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-score"]
        verbose_name = verbose_name_plural = "围标串标筛查"

    def __str__(self) -> str:
        return f"{self.lot_id} {self.score:.1f}"


class Schedule(models.Model):
    """Recurring supervision work for the chronograph (the nightly sweep)."""

    name = models.CharField(max_length=32, unique=True)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict)

    class Meta:
        verbose_name = verbose_name_plural = "监管定时任务"

    def __str__(self) -> str:
        return self.name
