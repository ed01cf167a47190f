"""Record builders for the hub tests."""


def org(id, city="GZ", kind="enterprise", industries=(), **kw):
    return {
        "type": "organization",
        "id": id,
        "name": f"Org {id}",
        "kind": kind,
        "city": city,
        "industries": list(industries),
        **kw,
    }


def offer(id, org, title, text, kind="technology", **kw):
    return {"type": "offer", "id": id, "org": org, "kind": kind, "title": title, "text": text, **kw}


def need(id, org, title, text, kind="technology", **kw):
    return {"type": "need", "id": id, "org": org, "kind": kind, "title": title, "text": text, **kw}
