"""Generate the bundled demo hub ``demo_hub.jsonl`` — SYNTHETIC data (seeded, deterministic).

Every organization, offer and need in the file is invented: names are composed from word
lists, numbers are drawn at random, and every organization's description says it is
synthetic. It exists to demonstrate the hub (import, matching, portraits, dashboard).

Run: ``python -m citynexus.hub.demo.generate_demo`` (rewrites the file next to this script).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

SEED = 8
N_ORGS = 300


def _city_names() -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Codes and names of the cities, from the bundled gba dataset."""
    from citynexus.data import load

    u = load("gba").units
    return list(u["code"]), dict(zip(u["code"], u["name"])), dict(zip(u["code"], u["name_zh"]))


CITIES, CITY_EN, CITY_ZH = _city_names()
# cities where listings are more often written in English
EN_CITIES = {"HK": 0.8, "MO": 0.6}
NAME_WORDS = [
    ("Jiahe", "嘉禾"),
    ("Huaxin", "华信"),
    ("Pearl", "明珠"),
    ("Lingnan", "岭南"),
    ("Xinyuan", "鑫源"),
    ("Tianyi", "天逸"),
    ("Ruifeng", "瑞丰"),
    ("Haoda", "浩达"),
    ("Bayview", "湾景"),
    ("Zhongke", "中科"),
    ("Kaiyue", "凯越"),
    ("Yuehai", "粤海"),
    ("Harbour", "港湾"),
    ("Lotus", "莲花"),
    ("Greenway", "绿途"),
]
CERTS = ["ISO 9001", "ISO 14001", "IATF 16949", "ISO 13485", "ISO 27001", "CNAS", "GMP", "HACCP", "CE"]

# sector: (industry code, English words, Chinese words, offers [(kind, en title, en text, zh title, zh text)],
#          needs [(kind, en title, en text, zh title, zh text)])
SECTORS = [
    (
        "battery",
        "Battery Technology",
        "电池科技",
        [
            (
                "capacity",
                "Lithium battery pack assembly",
                "Assembly of lithium-ion battery packs with BMS, {cap} packs a month.",
                "锂电池PACK组装产能",
                "锂离子电池包组装及电池管理系统集成，月产能{cap}套。",
            ),
            (
                "technology",
                "Battery recycling process",
                "Hydrometallurgical recovery of lithium, nickel and cobalt from spent cells.",
                "废旧电池回收工艺",
                "湿法冶金回收废旧电芯中的锂、镍、钴，回收率高。",
            ),
        ],
        [
            (
                "technology",
                "Solid-state electrolyte partner wanted",
                "Looking for research partners on sulfide solid electrolytes.",
                "寻求固态电解质研发合作",
                "寻找硫化物固态电解质方向的科研合作伙伴。",
            )
        ],
    ),
    (
        "nev",
        "Auto Parts",
        "汽车零部件",
        [
            (
                "capacity",
                "Aluminium die-casting for EV parts",
                "Die-cast motor housings and battery trays, {cap} parts a month.",
                "新能源汽车铝压铸件",
                "电机壳体、电池托盘压铸加工，月产{cap}件。",
            ),
            (
                "technology",
                "EV thermal management design",
                "Liquid cooling plates and heat-pump systems for electric vehicles.",
                "电动汽车热管理方案",
                "电池液冷板与热泵空调系统设计。",
            ),
        ],
        [
            (
                "capacity",
                "Wire harness supplier needed",
                "We need high-voltage wire harnesses for electric cars, about {cap} sets a month.",
                "寻求高压线束供应商",
                "新能源汽车高压线束采购，月需求约{cap}套。",
            )
        ],
    ),
    (
        "semiconductor",
        "Microelectronics",
        "微电子",
        [
            (
                "service",
                "IC packaging and testing",
                "QFN/BGA packaging and final test for fabless chip companies.",
                "芯片封装测试服务",
                "为芯片设计公司提供QFN、BGA封装与成品测试。",
            ),
            (
                "technology",
                "Analog chip design",
                "Design of power management ICs and sensor front-ends.",
                "模拟芯片设计",
                "电源管理芯片与传感器前端芯片设计。",
            ),
        ],
        [
            (
                "service",
                "Wafer test capacity wanted",
                "Seeking wafer probing capacity for 8-inch MEMS wafers.",
                "寻求晶圆测试产能",
                "8英寸MEMS晶圆探针测试外包。",
            )
        ],
    ),
    (
        "ai",
        "Intelligent Systems",
        "智能系统",
        [
            (
                "technology",
                "Machine vision inspection",
                "Deep-learning visual inspection of surface defects on production lines.",
                "机器视觉缺陷检测",
                "基于深度学习的产线表面缺陷视觉检测。",
            ),
            (
                "technology",
                "Private LLM deployment",
                "On-premise large language models with retrieval for enterprise documents.",
                "大模型私有化部署",
                "企业文档检索问答的大模型本地部署。",
            ),
        ],
        [
            (
                "technology",
                "Demand forecasting with AI",
                "Retail chain seeks machine-learning demand forecasting for 2,000 stores.",
                "寻求AI销量预测方案",
                "连锁零售企业寻求门店销量预测算法。",
            )
        ],
    ),
    (
        "equipment",
        "Precision Manufacturing",
        "精密制造",
        [
            (
                "capacity",
                "CNC machining capacity",
                "Five-axis CNC machining of aluminium and steel parts, {cap} parts a month.",
                "数控精密加工产能",
                "五轴数控加工铝件、钢件，月产能{cap}件。",
            ),
            (
                "capacity",
                "Precision injection moulding",
                "Injection moulding of engineering plastics with in-house tooling.",
                "精密注塑加工",
                "工程塑料精密注塑，自有模具车间。",
            ),
        ],
        [
            (
                "capacity",
                "Sheet metal fabrication needed",
                "Looking for sheet metal cutting and bending, about {cap} parts a month.",
                "寻求钣金加工产能",
                "需要钣金激光切割与折弯加工，月量约{cap}件。",
            )
        ],
    ),
    (
        "biomedicine",
        "Biopharma",
        "生物医药",
        [
            (
                "service",
                "Clinical trial services",
                "Phase I-III clinical trial management, monitoring and data management.",
                "临床试验服务",
                "I至III期临床试验管理、监查与数据管理。",
            ),
            (
                "capacity",
                "Aseptic fill-finish",
                "Vial filling and lyophilisation for biologics.",
                "无菌灌装冻干",
                "生物制品西林瓶灌装与冻干代工。",
            ),
        ],
        [
            (
                "technology",
                "Antibody discovery partner",
                "Biotech seeks antibody discovery platform partner.",
                "寻求抗体发现合作",
                "生物技术公司寻求抗体筛选平台合作。",
            )
        ],
    ),
    (
        "medical_devices",
        "Medical Devices",
        "医疗器械",
        [
            (
                "service",
                "Device registration services",
                "NMPA registration and EU MDR technical documentation.",
                "医疗器械注册服务",
                "国内注册证办理与欧盟MDR技术文件。",
            ),
            (
                "capacity",
                "Sterile disposables OEM",
                "Clean-room production of single-use medical devices, {cap} units a month.",
                "一次性耗材代工",
                "洁净车间代工一次性无菌医疗耗材，月产{cap}件。",
            ),
        ],
        [
            (
                "capacity",
                "Catheter production partner",
                "We need an OEM for catheters, about {cap} units a month.",
                "寻求导管代工",
                "寻找导管类产品代工厂，月量约{cap}件。",
            )
        ],
    ),
    (
        "logistics",
        "Supply Chain",
        "供应链",
        [
            (
                "service",
                "Cold-chain distribution",
                "Refrigerated trucking and cold storage across the Greater Bay Area.",
                "冷链物流配送",
                "大湾区冷藏运输与冷库仓储。",
            ),
            (
                "service",
                "Cross-border trucking",
                "Guangdong-Hong Kong cross-border trucking with customs clearance.",
                "粤港跨境运输",
                "粤港跨境货车运输与报关。",
            ),
        ],
        [
            (
                "service",
                "Overseas warehouse partner",
                "E-commerce seller needs US and EU fulfilment warehouses.",
                "寻求海外仓服务",
                "跨境电商卖家需要欧美海外仓一件代发。",
            )
        ],
    ),
    (
        "fintech",
        "Financial Technology",
        "金融科技",
        [
            (
                "technology",
                "Cross-border payments",
                "Multi-currency payment gateway for HKD, MOP and RMB.",
                "跨境支付系统",
                "支持港币、澳门元、人民币的跨境支付网关。",
            )
        ],
        [
            (
                "technology",
                "Anti-fraud analytics",
                "Bank seeks real-time transaction fraud detection.",
                "寻求反欺诈风控",
                "银行寻求实时交易反欺诈模型。",
            )
        ],
    ),
    (
        "finance",
        "Capital",
        "资本",
        [
            (
                "service",
                "Venture capital for hard tech",
                "Series A and B investment in robotics, chips and new energy.",
                "硬科技风险投资",
                "投资机器人、芯片、新能源领域A轮与B轮项目。",
            ),
            (
                "service",
                "Supply chain finance",
                "Receivables factoring for manufacturers' suppliers.",
                "供应链金融",
                "为制造业供应商提供应收账款保理。",
            ),
        ],
        [
            (
                "financing",
                "Series A funding sought",
                "Robotics start-up raising 50 million RMB Series A.",
                "寻求A轮融资",
                "机器人初创企业寻求5000万元A轮融资。",
            )
        ],
    ),
    (
        "legal",
        "Law Firm",
        "律师事务所",
        [
            (
                "service",
                "Cross-border legal advice",
                "Company formation, contracts and compliance in Hong Kong and Macao.",
                "跨境法律服务",
                "港澳公司设立、合同及合规法律服务。",
            )
        ],
        [
            (
                "service",
                "Data compliance counsel needed",
                "We need advice on cross-border data transfer rules.",
                "寻求数据合规法律顾问",
                "需要数据出境合规方面的法律意见。",
            )
        ],
    ),
    (
        "ip",
        "IP Services",
        "知识产权",
        [
            (
                "service",
                "Patent filing",
                "Drafting and filing patents in China, the US and Europe.",
                "专利申请代理",
                "中国、美国、欧洲专利申请撰写与代理。",
            ),
            (
                "patent",
                "Patent licence: graphene heat film",
                "Licensable patent family on graphene thermal films.",
                "专利许可：石墨烯导热膜",
                "可许可的石墨烯导热膜专利组合。",
            ),
        ],
        [
            (
                "service",
                "Patent search wanted",
                "Need freedom-to-operate search before product launch.",
                "寻求专利检索",
                "产品上市前需要专利自由实施检索。",
            )
        ],
    ),
    (
        "testing",
        "Testing Lab",
        "检测实验室",
        [
            (
                "service",
                "EMC and safety testing",
                "EMC and electrical safety testing for CE and FCC.",
                "EMC与安规检测",
                "电磁兼容与安规检测，出具CE、FCC报告。",
            )
        ],
        [
            (
                "service",
                "Reliability testing needed",
                "Need salt spray and temperature cycling tests.",
                "寻求可靠性测试",
                "需要盐雾与高低温循环测试。",
            )
        ],
    ),
    (
        "education",
        "Talent Services",
        "人才服务",
        [
            (
                "talent",
                "Engineering graduates",
                "Placement of electronics and software graduates.",
                "工科毕业生推荐",
                "电子、软件专业毕业生就业推荐。",
            ),
            (
                "talent",
                "Postdoctoral researchers",
                "Postdocs in materials science and AI available for joint projects.",
                "博士后人才",
                "材料与人工智能方向博士后可参与联合项目。",
            ),
        ],
        [
            (
                "talent",
                "Hiring firmware engineers",
                "We are hiring embedded firmware engineers.",
                "招聘嵌入式工程师",
                "招聘嵌入式固件开发工程师。",
            )
        ],
    ),
    (
        "renewables",
        "New Energy",
        "新能源",
        [
            (
                "technology",
                "Rooftop solar EPC",
                "Design and construction of rooftop photovoltaic plants.",
                "屋顶光伏总包",
                "屋顶分布式光伏电站设计与施工。",
            ),
            (
                "capacity",
                "Energy storage integration",
                "Commercial battery storage systems, {cap} kWh per project.",
                "工商业储能集成",
                "工商业储能系统集成，单项目{cap}千瓦时。",
            ),
        ],
        [
            (
                "technology",
                "Hydrogen fuel cell partner",
                "Seeking fuel cell stack supplier for logistics vehicles.",
                "寻求氢燃料电池合作",
                "物流车寻求燃料电池电堆供应商。",
            )
        ],
    ),
]
ORG_KINDS = ["enterprise"] * 6 + ["university", "institute", "service_centre", "agency", "association", "financier"]
SIZES = ["micro", "small", "medium", "large"]


def _listing(
    rng: random.Random, typ: str, rid: str, oid: str, ind: str, templates: list, caps: list[int], en_lang: bool
) -> tuple[dict[str, Any], int | None]:
    """An offer or need of organization ``oid`` drawn from ``(kind, title_en, text_en, title_zh,
    text_zh)`` templates with a capacity from ``caps``, in the organization's language (15 % of
    the time the other one); returns it and the capacity when its text names one."""
    kind, t_en, x_en, t_zh, x_zh = rng.choice(templates)
    cap = rng.choice(caps)
    english = en_lang if rng.random() < 0.85 else not en_lang
    title, text = (t_en, x_en) if english else (t_zh, x_zh)
    listing = {"type": typ, "id": rid, "org": oid, "kind": kind, "title": title}
    return listing | {"text": text.format(cap=cap), "industries": [ind]}, (cap if "{cap}" in x_en else None)


def build(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    orgs, offers, needs = [], [], []
    for i in range(1, N_ORGS + 1):
        city = CITIES[(i - 1) % len(CITIES)] if i <= 2 * len(CITIES) else rng.choice(CITIES)
        ind, en_word, zh_word, sec_offers, sec_needs = rng.choice(SECTORS)
        kind = "financier" if ind == "finance" else rng.choice(ORG_KINDS)
        w_en, w_zh = rng.choice(NAME_WORDS)
        suffix_en = {
            "university": "University Lab",
            "institute": "Research Institute",
            "service_centre": "SME Service Centre",
            "agency": "Promotion Agency",
            "association": "Industry Association",
            "financier": "Capital",
        }.get(kind, "Co., Ltd.")
        suffix_zh = {
            "university": "大学实验室",
            "institute": "研究院",
            "service_centre": "中小企业服务中心",
            "agency": "促进局",
            "association": "行业协会",
            "financier": "资本",
        }.get(kind, "有限公司")
        oid = f"ORG{i:04d}"
        certs = sorted(rng.sample(CERTS, rng.randint(0, 2)))
        en_lang = rng.random() < EN_CITIES.get(city, 0.25)
        orgs.append(
            {
                "type": "organization",
                "id": oid,
                "name": f"{CITY_EN[city]} {w_en} {en_word} {suffix_en}",
                "name_zh": f"{CITY_ZH[city]}{w_zh}{zh_word}{suffix_zh}",
                "kind": kind,
                "city": city,
                "industries": [ind],
                "size": rng.choice(SIZES),
                **({"certifications": certs} if certs else {}),
                "description": (
                    f"Synthetic demo record (not a real organization): {en_word.lower()} in {CITY_EN[city]}."
                ),
                "description_zh": f"合成演示数据（非真实机构）：{CITY_ZH[city]}{zh_word}。",
            }
        )
        for _ in range(rng.randint(1, 2)):
            caps = [500, 1000, 2000, 5000, 10000, 20000, 50000]
            rec, cap = _listing(rng, "offer", f"OF{len(offers) + 1:04d}", oid, ind, sec_offers, caps, en_lang)
            attrs: dict = {}
            if cap is not None:
                attrs["capacity"] = cap
            if rng.random() < 0.3:
                attrs["cities"] = sorted(rng.sample(CITIES, 2))
            if attrs:
                rec["attributes"] = attrs
            offers.append(rec)
        if rng.random() < 0.55:
            caps = [500, 1000, 5000, 10000]
            rec, cap = _listing(rng, "need", f"ND{len(needs) + 1:04d}", oid, ind, sec_needs, caps, en_lang)
            con: dict = {}
            if cap is not None:
                con["min_capacity"] = cap
            if rng.random() < 0.4:
                con["cities"] = sorted({city, *rng.sample(CITIES, 3)})
            if rng.random() < 0.2:
                con["certifications"] = [rng.choice(CERTS)]
            if con:
                rec["constraints"] = con
            needs.append(rec)
    return orgs + offers + needs


def main() -> None:
    out = Path(__file__).with_name("demo_hub.jsonl")
    recs = build()
    out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(recs)} synthetic records)")


if __name__ == "__main__":
    main()
