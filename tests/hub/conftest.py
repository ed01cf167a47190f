"""Fixtures of the hub tests: tiny hubs (the real multilingual encoder is the session fixture
``encoder`` of tests/conftest.py)."""

from __future__ import annotations

import pytest
from hubtest_helpers import need, offer, org


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
