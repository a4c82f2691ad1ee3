"""The expert library (专家库), the random draw of a lot's committee, assessments and sanctions.

Personal data is kept to what the work needs (个人信息保护法 第6条): the ID number only as a keyed SM3
digest (HMAC-SM3, for "one person, one profile") plus its last 4 characters for the sign-in sheet; the
mobile number for SMS/voice calls, shown masked. Neither is in any API output or audit payload.

A draw (`DrawRequest`) is verifiable: its eligible pools are frozen per row, a 32-byte secret is committed
(SM3) before drawing and kept encrypted to the platform key, the seed is SM3(secret ‖ root of the first
signed audit checkpoint after the commitment), and `draw.py` derives every call from the seed alone. Who
was drawn stays sealed until the draw's evaluation starts (see `queries.names_unsealed`).
"""

from django.contrib.auth.models import User
from django.db import models

from ggzy.kernel.models import Region
from ggzy.registry.models import Entity
from ggzy.trading.models import Lot


class Specialty(models.Model):
    """One node of the specialty taxonomy (loaded from data/specialties.json by a data migration)."""

    code = models.CharField("专业代码", max_length=16, primary_key=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    level = models.PositiveSmallIntegerField("层级")
    provisional = models.BooleanField("代码待核", default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "专家专业分类"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TitleLevel(models.TextChoices):
    SENIOR = "senior", "正高级"
    DEPUTY_SENIOR = "deputy_senior", "副高级"
    INTERMEDIATE = "intermediate", "中级"
    JUNIOR = "junior", "初级"
    NONE = "none", "无职称"


class Expert(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        REJECTED = "rejected", "未通过审核"
        ACTIVE = "active", "正常"
        SUSPENDED = "suspended", "暂停评标资格"
        BLACKLISTED = "blacklisted", "黑名单"
        RETIRED = "retired", "已退出"

    code = models.CharField("专家编号", max_length=16, unique=True)
    user = models.OneToOneField(User, models.PROTECT, related_name="expert")
    name = models.CharField("姓名", max_length=64)
    id_digest = models.CharField("身份证号HMAC-SM3", max_length=64, unique=True)
    id_last4 = models.CharField("身份证号后4位", max_length=4)
    mobile = models.CharField("手机", max_length=11)
    employer_name = models.CharField("工作单位", max_length=200)
    employer_uscc = models.CharField("工作单位统一社会信用代码", max_length=18, db_index=True)
    employer_entity = models.ForeignKey(
        Entity,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="experts",
        verbose_name="工作单位（已注册）",
    )
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="所在地区")
    title = models.CharField("职称", max_length=64)
    title_level = models.CharField("职称等级", max_length=16, choices=TitleLevel.choices)
    practice_since = models.DateField("从事本专业工作起始日期")
    specialties = models.ManyToManyField(Specialty, related_name="experts", verbose_name="评标专业")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    status_reason = models.TextField("状态原因", blank=True)
    status_until = models.DateField("期限至", null=True, blank=True)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)
    score = models.DecimalField("综合评价分", max_digits=5, decimal_places=2, null=True, blank=True)
    score_count = models.PositiveIntegerField("评价次数", default=0)
    applied_at = models.DateTimeField("申请时间")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.CharField("审核人", max_length=150, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "评标专家"

    def __str__(self) -> str:
        return self.code

    @property
    def id_masked(self) -> str:
        return "*" * 14 + self.id_last4

    @property
    def mobile_masked(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]}" if len(self.mobile) == 11 else "****"


class StatusChange(models.Model):
    """Every change of an expert's standing (approval, suspension, blacklist, reinstatement, exit)."""

    expert = models.ForeignKey(Expert, models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    reason = models.TextField("原因", blank=True)
    until = models.DateField("期限至", null=True, blank=True)
    changed_by = models.CharField(max_length=150)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["expert_id", "changed_at", "id"]
        verbose_name = verbose_name_plural = "专家状态变更"

    def __str__(self) -> str:
        return f"{self.expert_id} {self.from_status}→{self.to_status}"


class Unavailability(models.Model):
    """A period (inclusive dates) in which the expert cannot evaluate."""

    expert = models.ForeignKey(Expert, models.CASCADE, related_name="unavailable")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    declared_at = models.DateTimeField()

    class Meta:
        ordering = ["expert_id", "starts_on"]
        verbose_name = verbose_name_plural = "专家不可参评期间"

    def __str__(self) -> str:
        return f"{self.expert_id} {self.starts_on}–{self.ends_on}"


class ConflictDeclaration(models.Model):
    """An entity the expert declares a conflict of interest with (12号令 第12条): never drawn for its lots."""

    expert = models.ForeignKey(Expert, models.CASCADE, related_name="conflicts")
    entity_uscc = models.CharField("统一社会信用代码", max_length=18)
    entity = models.ForeignKey(Entity, models.PROTECT, null=True, blank=True, related_name="expert_conflicts")
    reason = models.CharField("原因", max_length=300)
    declared_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["expert", "entity_uscc"], name="expert_conflict_once"),
        ]
        verbose_name = verbose_name_plural = "专家利害关系申报"

    def __str__(self) -> str:
        return f"{self.expert_id} × {self.entity_uscc}"


class DrawRequest(models.Model):
    """One random draw of experts for a lot's committee."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待抽取"
        COMMITTED = "committed", "已承诺随机种子"
        DRAWN = "drawn", "已抽取"

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        VOICE = "voice", "语音"

    number = models.CharField("抽取编号", max_length=20, unique=True)
    lot = models.ForeignKey(Lot, models.PROTECT, related_name="expert_draws")
    procedure = models.CharField("评标程序", max_length=32)
    representatives = models.PositiveSmallIntegerField("招标人代表人数", default=0)
    evaluation_at = models.DateTimeField("评标时间")
    venue = models.CharField("评标地点", max_length=200, blank=True)
    channel = models.CharField("通知方式", max_length=8, choices=Channel.choices, default=Channel.VOICE)
    respond_minutes = models.PositiveIntegerField("确认时限（分钟）")
    allowed_regions = models.ManyToManyField(Region, related_name="+", verbose_name="专家来源地区")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    algorithm = models.CharField("抽取算法", max_length=40)
    # SM3 of the committed secret, published at the commitment (`draw.py`: the seed is SM3(secret ‖ root
    # of the first signed audit checkpoint covering the commitment event), so it exists only afterwards).
    seed_commitment = models.CharField("随机秘密承诺（SM3）", max_length=64, blank=True)
    # Until the execution the secret is kept only SM2-encrypted to the platform key (a file outside the
    # database): a copy of the database does not give it. Revealed (and the ciphertext dropped) at execution.
    secret_sealed = models.TextField("随机秘密（SM2加密，hex）", blank=True)
    secret = models.CharField("随机秘密（执行时公开，hex）", max_length=64, blank=True)
    commit_event_seq = models.PositiveBigIntegerField("承诺审计事件序号", null=True, blank=True)
    beacon_seq = models.PositiveBigIntegerField("所用审计检查点序号", null=True, blank=True)
    beacon_root = models.CharField("所用审计检查点Merkle根", max_length=64, blank=True)
    # The seed, derived at execution: never shown before the draw's evaluation starts (whoever holds it and
    # the pools could tell who was drawn). Shown by `verify` afterwards so the draw can be replayed.
    seed = models.CharField("随机种子（hex）", max_length=64, blank=True)
    another_reason = models.CharField(
        "再次抽取理由", max_length=300, blank=True, help_text="同一标段已有抽取时必填（记录并预警）"
    )
    pool_digest = models.CharField("候选名单摘要（SM3）", max_length=64, blank=True)
    excluded_counts = models.JSONField("回避/排除人数（按原因）", default=dict)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    committed_at = models.DateTimeField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "专家抽取"

    def __str__(self) -> str:
        return self.number


class DrawRow(models.Model):
    """(specialty, count) of a draw, with its eligible pool frozen (sorted expert codes) at commitment."""

    draw = models.ForeignKey(DrawRequest, models.CASCADE, related_name="rows")
    index = models.PositiveSmallIntegerField("序号")
    specialty = models.ForeignKey(Specialty, models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField("人数")
    pool = models.JSONField("候选专家编号", default=list)
    shortfall = models.PositiveSmallIntegerField("补抽不足人数", default=0)

    class Meta:
        ordering = ["draw_id", "index"]
        constraints = [models.UniqueConstraint(fields=["draw", "index"], name="draw_row_once")]
        verbose_name = verbose_name_plural = "专家抽取条件"

    def __str__(self) -> str:
        return f"{self.draw_id}#{self.index} {self.specialty_id}×{self.count}"


class DrawExclusion(models.Model):
    """An expert the operator excluded from one draw, with the reason (audited)."""

    draw = models.ForeignKey(DrawRequest, models.CASCADE, related_name="exclusions")
    expert = models.ForeignKey(Expert, models.PROTECT, related_name="+")
    reason = models.CharField("原因", max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["draw", "expert"], name="draw_exclusion_once")]
        verbose_name = verbose_name_plural = "专家抽取排除"

    def __str__(self) -> str:
        return f"{self.draw_id} − {self.expert_id}"


class DrawnExpert(models.Model):
    """One call of the draw sequence: an expert notified, and the answer."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", "已通知待确认"
        ACCEPTED = "accepted", "确认参加"
        DECLINED = "declined", "拒绝参加"
        NO_ANSWER = "no_answer", "逾期未确认"
        SKIPPED = "skipped", "补抽时已不符合条件"

    draw = models.ForeignKey(DrawRequest, models.PROTECT, related_name="calls")
    row = models.ForeignKey(DrawRow, models.PROTECT, related_name="calls")
    expert = models.ForeignKey(Expert, models.PROTECT, related_name="calls")
    seq = models.PositiveIntegerField("抽取顺序")
    position = models.PositiveIntegerField("随机序列位置")
    replaces = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="replacement", verbose_name="补抽替换"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NOTIFIED)
    called_at = models.DateTimeField()
    respond_by = models.DateTimeField("确认期限")
    responded_at = models.DateTimeField(null=True, blank=True)
    response_via = models.CharField("确认方式", max_length=16, blank=True)
    decline_reason = models.CharField("拒绝原因", max_length=300, blank=True)
    responded_by = models.CharField("记录人", max_length=150, blank=True)
    # An answer the operator records for the expert (by phone) carries the evidence of the call.
    call_record_id = models.CharField("通话记录编号", max_length=64, blank=True)
    call_made_at = models.DateTimeField("通话时间", null=True, blank=True)
    call_note = models.FileField("通话记录附件", upload_to="draws/calls/", blank=True)
    call_note_sm3 = models.CharField("通话记录附件SM3", max_length=64, blank=True)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["draw_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "seq"], name="drawn_seq_once"),
            models.UniqueConstraint(fields=["draw", "expert"], name="drawn_expert_once"),
        ]
        verbose_name = verbose_name_plural = "抽取结果（密封）"

    def __str__(self) -> str:
        return f"{self.draw_id}#{self.seq}"


class Assessment(models.Model):
    """After an evaluation, the operator and the principal each rate each committee expert (R4.4)."""

    class Rater(models.TextChoices):
        OPERATOR = "operator", "交易中心"
        PRINCIPAL = "principal", "招标人"

    drawn = models.ForeignKey(DrawnExpert, models.PROTECT, related_name="assessments")
    expert = models.ForeignKey(Expert, models.PROTECT, related_name="assessments")
    rater_role = models.CharField("评价方", max_length=10, choices=Rater.choices)
    rater = models.CharField("评价人", max_length=150)
    attitude = models.PositiveSmallIntegerField("工作态度")
    discipline = models.PositiveSmallIntegerField("评标纪律")
    professional = models.PositiveSmallIntegerField("专业水平")
    confidentiality = models.PositiveSmallIntegerField("保密情况")
    total = models.DecimalField("折算分（百分制）", max_digits=5, decimal_places=2)
    comment = models.CharField("评语", max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["expert_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["drawn", "rater_role"], name="assessment_once_per_rater"),
        ]
        verbose_name = verbose_name_plural = "专家评价"

    def __str__(self) -> str:
        return f"{self.expert_id} {self.rater_role} {self.total}"
