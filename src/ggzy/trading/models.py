"""Projects, lots (标段), notices, documents and objections.

A lot is the unit that is traded: it carries the procedure state and `next_check` for the chronograph.
The notice carries the times every lot in it shares (document period, bid deadline, opening).
"""

from django.db import models

from ggzy.exchange.models import Node
from ggzy.registry.models import Entity


class Project(models.Model):
    """招标项目: what the principal buys, how it is funded, and whether it must enter the platform."""

    code = models.CharField("项目编号", max_length=17, unique=True)
    unified_deal_code = models.CharField("统一交易标识码", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200)
    principal = models.ForeignKey(
        Entity, models.PROTECT, related_name="principal_projects", verbose_name="招标人"
    )
    agent = models.ForeignKey(
        Entity,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="agent_projects",
        verbose_name="招标代理机构",
    )
    node = models.ForeignKey(Node, models.PROTECT, related_name="projects", verbose_name="交易平台")
    category = models.CharField("交易类别", max_length=32)
    state_budget_amount = models.DecimalField("预算资金（元）", max_digits=16, decimal_places=2, default=0)
    total_investment = models.DecimalField("总投资（元）", max_digits=16, decimal_places=2)
    state_owned_controlled = models.BooleanField("国有资金控股或主导", default=False)
    foreign_loan_or_aid = models.BooleanField("国际组织或外国政府贷款、援助资金", default=False)
    private_only = models.BooleanField("全部为非国有资金", default=False)
    must_enter = models.BooleanField("应进平台交易", default=True)
    must_tender = models.BooleanField("依法必须招标", default=True)
    entry_reasons = models.JSONField("进场判定理由", default=list)
    catalogue_version = models.CharField("交易目录版本", max_length=64, blank=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "交易项目"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Notice(models.Model):
    """招标公告 (open tender) or 投标邀请书 (invited tender), with the times its lots share."""

    class Method(models.TextChoices):
        OPEN = "open", "公开招标"
        INVITED = "invited", "邀请招标"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        TERMINATED = "terminated", "已终止"

    class TwoSupplierGround(models.TextChoices):
        """Why a negotiation may end with 2 final offers instead of 3 (the lot's rules name which apply)."""

        NONE = "", "无（不少于3家）"
        FAILED_TENDER = "failed_tender", "公开招标只有两家供应商，经财政部门批准转为竞争性谈判"
        RESEARCH = "research", "市场竞争不充分的科研项目或需要扶持的科技成果转化项目"
        GOVERNMENT_SERVICES = "government_services", "政府购买服务项目（含政府和社会资本合作项目）"

    project = models.ForeignKey(Project, models.PROTECT, related_name="notices")
    method = models.CharField("招标方式", max_length=8, choices=Method.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("公告正文")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    docs_from = models.DateTimeField("招标文件获取开始时间")
    docs_until = models.DateTimeField("招标文件获取截止时间")
    bid_deadline = models.DateTimeField("投标截止时间")
    opening_at = models.DateTimeField("开标时间")
    decrypt_minutes = models.PositiveIntegerField("在线解密时长（分钟）")
    # 一键解密: envelopes are also sealed for this SM2 key; its holder opens them all at the opening.
    opening_key = models.CharField("开标公钥（hex，可选）", max_length=130, blank=True)
    # The oldest envelope format this tender accepts: 2 for every tender published from issue 10 on (v1's
    # clear manifest let anyone test a guess of the price); tenders already running keep accepting v1.
    envelope_min_version = models.PositiveSmallIntegerField("最低投标文件格式版本", default=2)
    validity_days = models.PositiveIntegerField("投标有效期（日）")
    # Stated in the documents before the deadline, so the panel cannot choose it once the offers are in.
    two_supplier_ground = models.CharField(
        "最后报价可为两家的情形", max_length=24, choices=TwoSupplierGround.choices, blank=True, default=""
    )
    invitees = models.ManyToManyField(
        Entity, blank=True, related_name="invitations", verbose_name="受邀投标人"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "招标公告"

    def __str__(self) -> str:
        return self.title


class Lot(models.Model):
    """标段(包): the unit that is bid for, opened, evaluated and awarded."""

    class State(models.TextChoices):
        DRAFT = "draft", "未发布"
        BIDDING = "bidding", "投标中"
        OPENING = "opening", "开标解密中"
        EVALUATION = "evaluation", "评标中"
        PUBLICITY = "publicity", "中标候选人公示"
        AWARDED = "awarded", "已定标"
        CONTRACTED = "contracted", "已签约"
        ARCHIVED = "archived", "已归档"
        SUSPENDED = "suspended", "已暂停"
        FAILED = "failed", "流标"
        TERMINATED = "terminated", "已终止"

    class ContractKind(models.TextChoices):
        WORKS = "works", "施工"
        GOODS = "goods", "货物"
        SERVICES = "services", "服务"

    project = models.ForeignKey(Project, models.PROTECT, related_name="lots")
    seq = models.PositiveSmallIntegerField("标段序号")
    code = models.CharField("标段编号", max_length=20, unique=True)
    name = models.CharField("标段名称", max_length=200)
    contract_kind = models.CharField("合同类型", max_length=8, choices=ContractKind.choices)
    classify_code = models.CharField("标段分类代码", max_length=7)
    estimated_value = models.DecimalField("估算价（元）", max_digits=16, decimal_places=2)
    control_price = models.DecimalField(
        "最高投标限价（元）", max_digits=16, decimal_places=2, null=True, blank=True
    )
    bond_amount = models.DecimalField("投标保证金（元）", max_digits=14, decimal_places=2, default=0)
    notice = models.ForeignKey(Notice, models.PROTECT, null=True, blank=True, related_name="lots")
    # The key of its procedure specification (trading.specs): the method and the date of its legal texts.
    procedure = models.CharField("交易程序规范", max_length=64, default="construction_tender@2019-03-02")
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.DRAFT)
    state_changed_at = models.DateTimeField()
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)
    decrypt_closes_at = models.DateTimeField("解密截止时间", null=True, blank=True)
    outcome_reason = models.TextField("流标/终止原因", blank=True)
    previous = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="retender",
        verbose_name="原标段（重新招标）",
    )

    class Meta:
        ordering = ["project_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["project", "seq"], name="lot_seq_once")]
        verbose_name = verbose_name_plural = "标段"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# Groupings of lot states, defined once (issue 12): every method's states are a subset of Lot.State.
_S = Lot.State
OPENED_STATES = frozenset({_S.EVALUATION, _S.PUBLICITY, _S.AWARDED, _S.CONTRACTED, _S.ARCHIVED})  # bids read
AFTER_DEADLINE_STATES = OPENED_STATES | {_S.OPENING, _S.FAILED, _S.SUSPENDED}
CLOSED_STATES = frozenset({_S.CONTRACTED, _S.ARCHIVED, _S.FAILED, _S.TERMINATED})  # the trade is over
ARCHIVABLE_STATES = CLOSED_STATES - {_S.ARCHIVED}


class Document(models.Model):
    """A published file: tender documents, a clarification or an amendment. Stored with its SM3 digest and
    the publisher's SM2 signature over the exact bytes (电子招标投标办法 第40条)."""

    class Kind(models.TextChoices):
        TENDER_DOCUMENTS = "tender_documents", "招标文件"
        CLARIFICATION = "clarification", "澄清"
        AMENDMENT = "amendment", "修改"

    notice = models.ForeignKey(Notice, models.PROTECT, related_name="documents")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    file = models.FileField("文件", upload_to="notices/%Y/%m/")
    filename = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小")
    sm3 = models.CharField("SM3摘要", max_length=64)
    signature = models.TextField("SM2签名（DER，hex）")
    signer = models.ForeignKey(Entity, models.PROTECT, related_name="signed_documents")
    signer_key_id = models.CharField("签名证书公钥标识", max_length=64)
    new_bid_deadline = models.DateTimeField("顺延后的投标截止时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间")

    class Meta:
        ordering = ["notice_id", "published_at", "id"]
        verbose_name = verbose_name_plural = "招标文件及澄清修改"

    def __str__(self) -> str:
        return self.title


class Download(models.Model):
    """Who took the documents. Secret until the bid deadline (电子招标投标办法 第21条)."""

    notice = models.ForeignKey(Notice, models.PROTECT, related_name="downloads")
    document = models.ForeignKey(Document, models.PROTECT, related_name="downloads")
    entity = models.ForeignKey(Entity, models.PROTECT, related_name="downloads")
    downloaded_by = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    downloaded_at = models.DateTimeField()

    class Meta:
        ordering = ["downloaded_at", "id"]
        verbose_name = verbose_name_plural = "文件下载记录"

    def __str__(self) -> str:
        return f"{self.entity_id} {self.document_id}"


class Objection(models.Model):
    """异议: to the tender documents before the deadline (条例 第22条) or at the opening (第44条)."""

    class Stage(models.TextChoices):
        DOCUMENTS = "documents", "对招标文件的异议"
        OPENING = "opening", "对开标的异议"
        RESULT = "result", "对评标结果的异议"

    class Status(models.TextChoices):
        PENDING = "pending", "待答复"
        ANSWERED = "answered", "已答复"

    notice = models.ForeignKey(Notice, models.PROTECT, related_name="objections")
    lot = models.ForeignKey(Lot, models.PROTECT, null=True, blank=True, related_name="objections")
    stage = models.CharField("阶段", max_length=10, choices=Stage.choices)
    raised_by = models.ForeignKey(Entity, models.PROTECT, related_name="objections")
    text = models.TextField("异议内容")
    raised_at = models.DateTimeField("提出时间")
    answer_due = models.DateTimeField("答复期限")
    answer = models.TextField("答复", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    overdue = models.BooleanField("逾期未答复", default=False)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = verbose_name_plural = "异议"

    def __str__(self) -> str:
        return f"{self.get_stage_display()} #{self.pk}"


class InviteeDraw(models.Model):
    """Invited tendering of government procurement (87号令 第14条): the suppliers invited are drawn at
    random from a pool at least twice their number, witnessed by two or more of the purchaser's staff and
    recorded. Verifiable like the expert draw (kernel.draws): the pool and the SM3 commitment of a sealed
    secret are fixed first; the seed also takes the first audit checkpoint signed after them. Who is in the
    pool and who was drawn is sealed like the invitations until the bid deadline (电子招标投标办法 第21条)."""

    class Status(models.TextChoices):
        COMMITTED = "committed", "已确定备选名单"
        DRAWN = "drawn", "已抽取"

    notice = models.OneToOneField(Notice, models.PROTECT, related_name="invitee_draw")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.COMMITTED)
    pool = models.JSONField("备选供应商（统一社会信用代码，升序）", default=list)
    count = models.PositiveSmallIntegerField("拟抽取数")
    witnesses = models.JSONField("监督抽取的采购人工作人员", default=list)
    pool_digest = models.CharField(max_length=64)
    seed_commitment = models.CharField(max_length=64)
    secret_sealed = models.TextField(blank=True)
    commit_event_seq = models.PositiveBigIntegerField(null=True, blank=True)
    secret = models.CharField(max_length=64, blank=True)
    beacon_seq = models.PositiveBigIntegerField(null=True, blank=True)
    beacon_root = models.CharField(max_length=64, blank=True)
    seed = models.CharField(max_length=64, blank=True)
    drawn = models.JSONField("抽中的供应商", default=list)
    library_category = models.CharField("供应商库品目（从库中抽取时）", max_length=7, blank=True)
    committed_at = models.DateTimeField()
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "邀请供应商随机抽取"

    def __str__(self) -> str:
        return f"邀请抽取 {self.notice_id}"


class MethodChange(models.Model):
    """A failed government procurement re-run by another method, with the finance department's approval
    (政府采购法 第36–37条; 87号令 第43条): the purchaser asks, the competent department decides, and the new
    lot (`Lot.previous`) follows the approved method. The portal shows the chain."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "已申请"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "不予批准"

    lot = models.OneToOneField(Lot, models.PROTECT, related_name="method_change")
    procedure = models.CharField("申请采用的采购方式（程序规范id）", max_length=64)
    reason = models.TextField("申请理由")
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_no = models.CharField("批复文号", max_length=100, blank=True)
    decision_reason = models.TextField("批复意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "采购方式变更"

    def __str__(self) -> str:
        return f"{self.lot_id} → {self.procedure}"


class Recommendation(models.Model):
    """A written recommendation of a supplier to invite (74号令 第12条; 214号 第6条): the purchaser and the
    evaluation experts each recommend in writing, with their opinion; the purchaser's share may not pass
    half of the suppliers recommended. The recommended suppliers are the notice's invitees, and the
    opinions are published with the result (74号令 第18条)."""

    notice = models.ForeignKey(Notice, models.PROTECT, related_name="recommendations")
    supplier = models.ForeignKey(Entity, models.PROTECT, related_name="recommendations")
    by_purchaser = models.BooleanField("采购人推荐")
    recommender = models.CharField("推荐人（用户名）", max_length=150)
    recommender_name = models.CharField("推荐人", max_length=100)
    opinion = models.TextField("书面推荐意见")
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["notice_id", "made_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "supplier", "recommender"], name="one_recommendation_each"
            )
        ]
        verbose_name = verbose_name_plural = "供应商书面推荐"

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.supplier_id} ← {self.recommender}"
