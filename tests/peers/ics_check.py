"""An independent check of our iCalendar output: parse it with the `icalendar` package from
PyPI and print what it understood as JSON, or exit 1 with the reason.

Usage: python3 ics_check.py < feed.ics
"""
import json
import sys

import icalendar

data = sys.stdin.buffer.read()
cal = icalendar.Calendar.from_ical(data)
problems = []
for prop in ("VERSION", "PRODID"):
    if prop not in cal:
        problems.append(f"VCALENDAR without {prop}")
zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
events = []
for ev in cal.walk("VEVENT"):
    for prop in ("UID", "DTSTAMP", "DTSTART"):
        if prop not in ev:
            problems.append(f"VEVENT {ev.get('SUMMARY')!r} without {prop}")
    for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        if prop in ev:
            tzid = ev[prop].params.get("TZID")
            if tzid and tzid not in zones:
                problems.append(f"{prop} uses TZID {tzid} without a VTIMEZONE")
    start = ev.decoded("DTSTART")
    item = {
        "uid": str(ev["UID"]),
        "summary": str(ev.get("SUMMARY", "")),
        "start": start.isoformat(),
        "rrule": ev["RRULE"].to_ical().decode() if "RRULE" in ev else None,
        "status": str(ev.get("STATUS", "")),
        "recurrence_id": ev.decoded("RECURRENCE-ID").isoformat() if "RECURRENCE-ID" in ev else None,
        "exdates": [],
    }
    ex = ev.get("EXDATE")
    if ex is not None:
        for e in ex if isinstance(ex, list) else [ex]:
            item["exdates"].extend(d.dt.isoformat() for d in e.dts)
    events.append(item)
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(json.dumps({"zones": sorted(zones), "events": events}))
