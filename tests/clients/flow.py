"""A short integration written against the Python client that openapi-python-client generates
from the committed document (tests/clients/run.sh), against a live service holding Demo
Kommune with mail in the outbox: create a unit, a director and systems; list with a filter and
page with the cursor; read the notifications; take the CSV; be refused with every problem named.
Any status the document does not list raises (raise_on_unexpected_status)."""
import os
import sys
import uuid

from systemejer_api_client import AuthenticatedClient
from systemejer_api_client.api.notifications import list_notifications
from systemejer_api_client.api.org_units import create_org_unit
from systemejer_api_client.api.people import create_person
from systemejer_api_client.api.reports import processing_records, processing_records_csv
from systemejer_api_client.api.systems import create_system, list_systems
from systemejer_api_client.models import (
    NewOrgUnit,
    NewPerson,
    NewSystem,
    OrgUnitKind,
    PageNotification,
    RecordOfProcessing,
    PageSystem,
    Position,
    Problem,
    SystemKind,
)

client = AuthenticatedClient(base_url=os.environ["BASE"], token=os.environ["TOKEN"], raise_on_unexpected_status=True)
run = uuid.uuid4().hex[:8]


def ok(reply, kind):
    assert isinstance(reply.parsed, kind), f"{reply.status_code}: {reply.content[:300]!r}"
    return reply.parsed


unit = ok(create_org_unit.sync_detailed(client=client, body=NewOrgUnit(name=f"Økonomi {run}", kind=OrgUnitKind.DEPARTMENT)), object)
director = ok(
    create_person.sync_detailed(
        client=client,
        body=NewPerson(email=f"direktoer-{run}@demo-kommune.dk", name="Åse Ærø", position=Position.DIRECTOR, org_unit_id=unit.id),
    ),
    object,
)
for i in range(3):
    ok(
        create_system.sync_detailed(
            client=client,
            body=NewSystem(name=f"Løn {run} {i}", kind=SystemKind.IT_SYSTEM, owner_id=director.id, org_unit_id=unit.id),
        ),
        object,
    )

# The director's systems, two a page: the cursor leads to the third and stops.
first = ok(list_systems.sync_detailed(client=client, owner_id=director.id, limit=2), PageSystem)
assert first.total == 3 and len(first.items) == 2 and first.next_cursor, first
second = ok(list_systems.sync_detailed(client=client, owner_id=director.id, limit=2, cursor=first.next_cursor), PageSystem)
assert len(second.items) == 1 and not second.next_cursor, second
names = sorted(s.name for s in first.items + second.items)
assert names == [f"Løn {run} {i}" for i in range(3)], names
found = ok(list_systems.sync_detailed(client=client, q=f"løn {run}"), PageSystem)
assert found.total == 3, found.total

# The outbox, as a typed page: each notification's items a list of objects.
notifications = ok(list_notifications.sync_detailed(client=client, limit=50), PageNotification)
assert notifications.items, "the worker's pass queued reminders"
first_items = notifications.items[0].items
assert isinstance(first_items, list) and first_items and first_items[0].additional_properties, first_items

# The record of processing, as JSON and as the spreadsheet.
rows = ok(processing_records.sync_detailed(client=client), RecordOfProcessing)
assert rows.total == len(rows.items) > 0, rows.total
csv = processing_records_csv.sync(client=client)
assert isinstance(csv, str) and csv.startswith("\ufeffcontroller;controller_cvr;"), csv[:80]
assert csv.count("\r\n") == rows.total + 1, (csv.count("\r\n"), rows.total)

# A careless body: refused, every problem named.
refused = create_system.sync_detailed(client=client, body=NewSystem.from_dict({"name": "", "kind": "it_system", "owner_id": str(uuid.uuid4())}))
problem = refused.parsed
assert isinstance(problem, Problem) and refused.status_code == 422, refused.content
assert problem.errors and all(e.field and e.rule for e in problem.errors), problem

print(f"client flow: ok ({notifications.total} notifications, {rows.total} processing records, {len(csv)} CSV characters)")
sys.exit(0)
