"""Revision 0005: centres, requests, service records and talent records stored at revision 0004
(before owners) are owned by ``local`` after the upgrade, and the centres' faces work on them."""

from __future__ import annotations

import sqlalchemy as sa

from citynexus.store import get_engine
from citynexus.store import schema as sch


def test_centres_rows_of_0004_belong_to_local_after_the_upgrade(db_url):
    sch.upgrade(db_url, "0004")
    eng = get_engine(db_url, create=False)
    with eng.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO centres_centre (id, name, city, fields, affiliates) "
                "VALUES ('A', 'Centre A', 'GZ', '[\"emc\"]', '[]')"
            )
        )
        c.execute(
            sa.text("INSERT INTO centres_request (id, sme, city, text, lang) VALUES ('R1', 's1', 'GZ', 'x', 'en')")
        )
        c.execute(
            sa.text(
                "INSERT INTO centres_record (id, centre_id, sme, period, status, requested_at) "
                "VALUES ('SR1', 'A', 's1', '2025', 'requested', '2025-01-01T00:00:00Z')"
            )
        )
        c.execute(sa.text("INSERT INTO centres_talent_record (kind, id, data) VALUES ('talent', 'T1', '{}')"))
    before, after = sch.upgrade(db_url)
    assert (before, after) == ("0004", sch.head_revision())
    with eng.connect() as c:
        for t in ("centres_centre", "centres_request", "centres_record", "centres_talent_record"):
            assert c.execute(sa.text(f"SELECT owner_org FROM {t}")).scalars().all() == ["local"], t
    from citynexus.services import centres as svc

    body = svc.list_centres(db_url)
    assert body["synthetic"] is False and body["centres"][0]["owner"] == "local"
    assert svc.list_records(db_url)["records"][0]["owner_org"] == "local"
