"""Bilingual text of the dashboard (English / 中文) and language negotiation."""

from __future__ import annotations

LANGS = ("en", "zh")

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("citynexus", "citynexus 城市群协同平台"),
    "tagline": ("Evaluate, connect and coordinate city clusters", "城市群评估、协作与协调"),
    "nav_overview": ("Overview", "总览"),
    "nav_explorer": ("Index explorer", "指数探索"),
    "nav_city": ("City profile", "城市画像"),
    "nav_coordination": ("Coordination", "协调发展"),
    "nav_data": ("Data", "数据"),
    "nav_network": ("Network", "城市网络"),
    "nav_hub": ("Cooperation hub", "合作平台"),
    "nav_ledger": ("Ledger", "可信账本"),
    "nav_api": ("API", "接口"),
    "synthetic_note": (
        "Synthetic data: the bundled GBA values come from a seeded generator and are not real statistics "
        "(only 2023 GDP, population and area are anchored to published figures).",
        "合成数据：内置大湾区数据由带种子的生成器产生，并非真实统计数据（仅2023年GDP、人口和面积锚定公开数据）。",
    ),
    "dataset": ("Dataset", "数据集"),
    "period": ("Period", "年份"),
    "rank": ("Rank", "排名"),
    "score": ("Score", "得分"),
    "city": ("City", "城市"),
    "rank_range": ("Rank range (5–95%)", "排名区间（5–95%）"),
    "rank_any_weights": ("Best–worst rank under any weights", "任意权重下的最好–最差排名"),
    "weights": ("Weights", "权重"),
    "reset": ("Reset", "重置"),
    "share_link": ("Share this weighting", "分享该权重方案"),
    "copied": ("Link copied", "链接已复制"),
    "upload_title": ("Use your own data", "上传自己的数据"),
    "upload_help": (
        "An .xlsx workbook (sheets units, indicators, values) or a .zip of the three CSV files. "
        "Run `citynexus template` for a workbook to fill in.",
        "上传 .xlsx 工作簿（units、indicators、values 三个工作表）或包含三个 CSV 文件的 .zip。"
        "可用 `citynexus template` 生成模板。",
    ),
    "api_key": ("API key", "API 密钥"),
    "upload": ("Upload", "上传"),
    "validate": ("Validate only", "仅校验"),
    "problems_found": ("Problems found — nothing was stored", "发现问题——未保存任何数据"),
    "file": ("File", "文件"),
    "row": ("Row", "行"),
    "column": ("Column", "列"),
    "problem": ("Problem", "问题"),
    "fix": ("How to fix", "修改建议"),
    "uploaded": ("Uploaded", "已上传"),
    "strongest": ("Strongest indicators", "优势指标"),
    "weakest": ("Main obstacles", "主要障碍因子"),
    "peers": ("Peers (closest scores)", "相近城市"),
    "trend": ("Trend", "趋势"),
    "coupling": ("Coupling coordination degree", "耦合协调度"),
    "grade": ("Grade", "协调等级"),
    "disparity": ("Disparity", "区域差异"),
    "lisa": ("Local spatial clusters (LISA)", "局部空间集聚（LISA）"),
    "map": ("Map", "地图"),
    "ranking": ("Ranking", "排名"),
    "language": ("中文", "English"),
    "not_found": ("Not found", "未找到"),
    "methods": ("Methods", "方法说明"),
    "provenance": ("Provenance", "数据来源与溯源"),
    "loading": ("Loading…", "加载中…"),
    # ---- city network (城市网络)
    "net_title": ("City network: gravity model", "城市网络：引力模型"),
    "net_map_title": ("Strongest links", "最强联系"),
    "net_relative": ("Relative connectivity", "相对连接度"),
    "net_threshold": ("Links kept", "保留的联系"),
    "net_threshold_mean": ("above the mean link", "高于平均联系强度"),
    "net_threshold_topk": ("each city's top k", "每个城市最强的 k 条"),
    "net_threshold_none": ("all links", "全部联系"),
    "net_model_note": (
        "Classic gravity model R_ij = √(M_i P_i)·√(M_j P_j) / D_ij²: GDP as mass M, population P, great-circle "
        "distance D in km. Degree, strength, closeness and betweenness are computed on the kept links, because "
        "the full gravity network links every pair of cities.",
        "经典引力模型 R_ij = √(M_i P_i)·√(M_j P_j) / D_ij²：以GDP为质量M、人口为P、大圆距离D（公里）。"
        "度、强度、接近中心性和中介中心性基于保留的联系计算，因为完整的引力网络中每对城市都相连。",
    ),
    "net_cities": ("Cities by relative connectivity", "城市相对连接度排名"),
    "net_degree": ("Degree", "度"),
    "net_strength": ("Strength", "强度"),
    "net_betweenness": ("Betweenness", "中介中心性"),
    "net_closeness": ("Closeness", "接近中心性"),
    "net_position": ("Position", "核心–边缘"),
    "net_core": ("Core", "核心"),
    "net_periphery": ("Periphery", "边缘"),
    "net_table_note": (
        "Relative connectivity = 100 × total linkage / the largest total (all links); the other columns use the "
        "kept links (betweenness with distance 1/R).",
        "相对连接度 = 100 × 总联系量 / 最大总联系量（全部联系）；其余各列基于保留的联系（中介中心性以 1/R 为距离）。",
    ),
    "net_summary": ("Network structure", "网络结构"),
    "net_links_kept": ("Links kept", "保留联系数"),
    "net_density": ("Density", "网络密度"),
    "net_full": ("all links:", "全部联系："),
    "net_communities": ("Communities", "社团数"),
    "net_strongest": ("Strongest kept links", "最强的保留联系"),
    # ---- cooperation hub (合作平台)
    "hub_synthetic_note": (
        "Synthetic demo hub: the organizations, offers and needs shown are invented for demonstration and do not "
        "describe real organizations.",
        "合成演示数据：所示机构、供给与需求均为演示而虚构，不代表真实机构。",
    ),
    "hub_synthetic_badge": ("synthetic", "合成"),
    "hub_empty": ("The hub is empty", "合作平台尚无数据"),
    "hub_empty_help": (
        "No organizations, offers or needs are stored in this database yet. Import your listings (JSON Lines or "
        "Excel) or load the bundled demo hub to try the search and the matching.",
        "此数据库中尚未保存任何机构、供给或需求。可导入您的数据（JSON Lines 或 Excel），"
        "或载入内置演示数据体验搜索与匹配。",
    ),
    "hub_load_demo": ("Load the synthetic demo hub", "载入合成演示数据"),
    "hub_demo_help": (
        "300 invented organizations across the 11 Greater Bay Area cities with offers and needs in Chinese and "
        "English. Needs an API key (`citynexus admin create-key NAME`).",
        "300 家虚构机构，分布于大湾区11个城市，含中英文供给与需求。"
        "需要 API 密钥（`citynexus admin create-key NAME`）。",
    ),
    "hub_loaded": ("Loaded", "已载入"),
    "hub_import": ("Import listings", "导入数据"),
    "hub_import_help": (
        "A JSON Lines file (one organization, offer or need per line) or an Excel workbook. All-or-nothing: one bad "
        "line and nothing is stored; every problem is listed with its line and field. Needs an API key.",
        "JSON Lines 文件（每行一个机构、供给或需求）或 Excel 工作簿。全部成功才保存：任一行有误即不保存，"
        "并逐条列出问题所在的行和字段。需要 API 密钥。",
    ),
    "hub_import_ok": ("Imported", "已导入"),
    "hub_line": ("Line", "行"),
    "hub_field": ("Field", "字段"),
    "hub_orgs": ("organizations", "家机构"),
    "hub_n_offers": ("offers", "条供给"),
    "hub_n_needs": ("needs", "条需求"),
    "hub_offers": ("Offers", "供给"),
    "hub_needs": ("Needs", "需求"),
    "hub_offer": ("Offer", "供给"),
    "hub_org": ("Organization", "机构"),
    "hub_title": ("Title", "标题"),
    "hub_search": ("Search", "搜索"),
    "hub_search_placeholder": (
        "e.g. battery recycling, 新能源汽车电池, 跨境物流",
        "例如：电池回收、battery recycling、跨境物流",
    ),
    "hub_search_help": (
        "Search in Chinese or English: keywords (BM25) and meaning (multilingual sentence vectors) are combined, so "
        "a Chinese query also finds English listings.",
        "中英文均可搜索：结合关键词（BM25）与语义（多语言句向量），中文查询也能找到英文条目。",
    ),
    "hub_results": ("Results", "搜索结果"),
    "hub_no_results": ("Nothing found.", "未找到结果。"),
    "hub_match": ("Match", "匹配"),
    "hub_hide": ("Hide", "收起"),
    "hub_reasons": ("Reasons", "匹配理由"),
    "hub_shared_terms": ("shared terms", "共同词语"),
    "hub_similarity": ("semantic similarity", "语义相似度"),
    "hub_met": ("meets", "满足"),
    "hub_missed": ("misses", "不满足"),
    "hub_unverified": ("not verifiable", "无法核实"),
    "hub_features": ("features", "加权因素"),
    "hub_no_matches": ("No offer meets this need's constraints.", "没有满足该需求约束条件的供给。"),
    "hub_page": ("Page", "页"),
    "hub_print": ("Print", "打印"),
    "hub_profile": ("Profile", "基本信息"),
    "hub_kind": ("Kind", "类型"),
    "hub_size": ("Size", "规模"),
    "hub_industries": ("Industries", "行业"),
    "hub_certifications": ("Certifications", "认证"),
    "hub_keywords": ("Top keywords (tf·idf)", "关键词（tf·idf）"),
    "hub_network": ("Position in the match network", "在匹配网络中的位置"),
    "hub_partners": ("Partners", "合作伙伴数"),
    "hub_other_cities": ("Partners in other cities", "外市合作伙伴数"),
    "hub_partner_cities": ("Partner cities", "合作伙伴所在城市"),
    "hub_top_partners": ("Best partners", "最佳合作伙伴"),
    "hub_via": ("Linked by (need → offer)", "关联（需求 → 供给）"),
    "hub_not_included": (
        "Agreement compliance and risk level are not part of the portrait yet.",
        "协议履约情况与风险等级暂未纳入画像。",
    ),
    # ---- ledger (可信账本)
    "led_intro": (
        "An append-only RFC 9162 Merkle log: anyone can check that a record is in the log and that the log was "
        "never rewritten, with the log's public key and no database.",
        "仅可追加的 RFC 9162 默克尔日志：任何人只需日志公钥、无需数据库，即可验证某条记录在日志中且日志从未被改写。",
    ),
    "led_none": ("No ledger in this database yet", "此数据库尚未创建账本"),
    "led_none_help": (
        "Create the log once with the command below, make a signing key and sign checkpoints (tree heads) from "
        "time to time.",
        "请用以下命令创建账本（只需一次），生成签名密钥，并定期签署检查点（树头）。",
    ),
    "led_status": ("Log status", "日志状态"),
    "led_origin": ("Origin", "日志标识"),
    "led_size": ("Size", "条目数"),
    "led_root": ("Root hash", "根哈希"),
    "led_checkpoint": ("Latest signed checkpoint", "最新签名检查点"),
    "led_checkpoints": ("Checkpoints", "检查点数"),
    "led_covers_all": ("covers every entry", "覆盖全部条目"),
    "led_behind": ("newer entries not yet signed", "较新条目尚未签名"),
    "led_no_checkpoint": (
        "none yet: `citynexus ledger checkpoint --key NAME.key`",
        "暂无：`citynexus ledger checkpoint --key NAME.key`",
    ),
    "led_types": ("Entries by type", "各类型条目数"),
    "led_note": ("Checkpoint text (signed note)", "检查点文本（签名注记）"),
    "led_check_proof": ("Check an inclusion proof", "验证包含证明"),
    "led_entry": ("entry", "条目"),
    "led_check": ("Check", "验证"),
    "led_verified": ("verified", "验证通过"),
    "led_not_verified": ("not verified", "验证未通过"),
    "led_signed": ("against the signed checkpoint", "基于签名检查点"),
    "led_unsigned": ("against the current unsigned tree head", "基于当前未签名树头"),
    "led_proof_hashes": ("Proof hashes", "证明哈希"),
    "led_download": ("download the proof bundle", "下载证明文件"),
    "led_verify_result": ("Verify a published result", "验证已发布结果"),
    "led_verify_result_help": (
        "Upload a result file (JSON): its canonical digest (RFC 8785) must be recorded in the log under a signed "
        "checkpoint. Nothing is stored.",
        "上传结果文件（JSON）：其规范化摘要（RFC 8785）须已记录在日志中并由签名检查点覆盖。不保存任何内容。",
    ),
    "led_published_at": ("published", "发布时间"),
    "led_digest": ("digest", "摘要"),
    "led_recent": ("Recent entries", "最新条目"),
    "led_type": ("Type", "类型"),
    "led_submitter": ("Submitter", "提交者"),
    "led_time": ("Time", "时间"),
    "led_payload": ("Payload", "内容"),
    "led_prove": ("proof", "证明"),
    "led_empty": ("The log is empty.", "日志为空。"),
    "led_trace": ("Trace an item", "溯源查询"),
    "led_item": ("Item id (batch, container, data set…)", "物品编号（批次、集装箱、数据集…）"),
    "led_trace_btn": ("Trace", "查询"),
    "led_in_transit": ("in transit", "运输中"),
    "led_events_proved": ("events, each with a verified inclusion proof", "个事件，均已验证包含证明"),
    "led_event": ("Event", "事件"),
    "led_details": ("Details", "详情"),
}


def t(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang`` (falls back to the key itself)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """Pick ``en`` or ``zh``: explicit ``?lang=``, then the cookie, then the browser's
    Accept-Language (highest q first), then English."""
    for cand in (query_lang, cookie_lang):
        if cand in LANGS:
            return cand
    if accept_language:
        prefs = []
        for part in accept_language.split(","):
            bits = part.strip().split(";")
            tag = bits[0].strip().lower()
            q = 1.0
            for b in bits[1:]:
                if b.strip().startswith("q="):
                    try:
                        q = float(b.strip()[2:])
                    except ValueError:
                        q = 0.0
            prefs.append((q, tag))
        for _, tag in sorted(prefs, key=lambda p: -p[0]):
            if tag.startswith("zh"):
                return "zh"
            if tag.startswith("en"):
                return "en"
    return "en"
