"""Fixtures of the hub tests: the real multilingual encoder (loaded once), tiny hubs."""

from __future__ import annotations

import pandas as pd
import pytest
from hubtest_helpers import need, offer, org

from citynexus.hub import cities

# Used only when the bundled gba dataset cannot be loaded (it is read by product code).
_FALLBACK_UNITS = pd.DataFrame(
    {
        "code": ["GZ", "SZ", "ZH", "FS", "HZ", "DG", "ZS", "JM", "ZQ", "HK", "MO"],
        "name": [
            "Guangzhou",
            "Shenzhen",
            "Zhuhai",
            "Foshan",
            "Huizhou",
            "Dongguan",
            "Zhongshan",
            "Jiangmen",
            "Zhaoqing",
            "Hong Kong",
            "Macao",
        ],
        "name_zh": ["广州", "深圳", "珠海", "佛山", "惠州", "东莞", "中山", "江门", "肇庆", "香港", "澳门"],
        "lat": [23.1291, 22.5431, 22.2710, 23.0218, 23.1115, 23.0205, 22.5176, 22.5787, 23.0472, 22.3193, 22.1987],
        "lon": [
            113.2644,
            114.0579,
            113.5767,
            113.1219,
            114.4152,
            113.7518,
            113.3926,
            113.0819,
            112.4651,
            114.1694,
            113.5439,
        ],
    }
)


@pytest.fixture(autouse=True, scope="session")
def _city_table():
    try:
        cities.load_units()
    except Exception:  # pragma: no cover - only while the bundled dataset is missing
        mp = pytest.MonkeyPatch()
        mp.setattr(cities, "load_units", lambda: _FALLBACK_UNITS)
        cities.clear_cache()
        yield
        mp.undo()
        return
    yield


@pytest.fixture(scope="session")
def encoder():
    from citynexus.hub import default_encoder

    return default_encoder()


@pytest.fixture
def small_records():
    """Six offers (three zh, three en) and two needs, with constraints to test filtering."""
    return [
        org("A", "SZ", industries=["nev"]),
        org("B", "DG", certifications=["ISO 9001"], industries=["battery"]),
        org("C", "HK", kind="university", industries=["battery"]),
        org("D", "ZQ", industries=["battery"]),
        org("E", "GZ", kind="service_centre", industries=["legal"]),
        offer(
            "F1",
            "B",
            "动力电池回收产能",
            "年处理退役动力电池2万吨，梯次利用与材料再生。",
            kind="capacity",
            industries=["battery"],
            attributes={"capacity": 20000},
        ),
        offer(
            "F2",
            "C",
            "Direct recycling of lithium-ion cathodes",
            "A patented process that regenerates cathode material from spent EV batteries.",
            industries=["battery"],
        ),
        offer(
            "F3",
            "E",
            "Cross-border legal advice",
            "Contract law advice for firms in Hong Kong and Macao.",
            kind="service",
            industries=["legal"],
        ),
        offer("F4", "D", "退役电池回收技术", "退役锂电池回收再利用技术，湿法冶金提取镍钴锂。", industries=["battery"]),
        offer("F5", "E", "知识产权代理", "专利申请与商标注册代理服务。", kind="service", industries=["ip"]),
        offer(
            "F6",
            "B",
            "Injection moulding capacity",
            "Plastic injection moulding for car parts, 50,000 a month.",
            kind="capacity",
            attributes={"capacity": 50000},
        ),
        need(
            "N1",
            "A",
            "寻求退役电池回收技术",
            "我司每年产生大量退役动力电池，寻求回收再利用技术合作。",
            industries=["battery"],
            constraints={"cities": ["DG", "HK", "SZ"]},
        ),
        need(
            "N2",
            "A",
            "Plastic parts supplier",
            "We need injection moulded plastic parts.",
            kind="capacity",
            constraints={"certifications": ["iso-9001"], "min_capacity": 30000},
        ),
    ]
