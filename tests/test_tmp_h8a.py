from tests.conftest import *


def test_x(client, user):
    h = user["headers"]
    for m, p, b in [
        (
            "POST",
            "/api/v1/clients",
            {"name": "Acme Corp", "email": "contact@acme.com", "company": "Acme Corporation", "phone": "+1-555-0123"},
        ),
        ("GET", "/api/v1/clients", None),
        (
            "POST",
            "/api/v1/projects",
            {
                "name": "New Project",
                "description": "Project description",
                "client_id": 5,
                "hourly_rate": 75.00,
                "estimated_hours": 100,
                "status": "active",
            },
        ),
        ("GET", "/api/v1/projects?status=bogus", None),
        ("POST", "/api/v1/projects", {"name": "Website", "hourly_rate": 75.00, "estimated_hours": 100}),
        ("GET", "/api/v1/projects?per_page=500", None),
        ("GET", "/api/v1/projects?page=0", None),
        (
            "POST",
            "/api/v1/tasks",
            {
                "name": "Implement login feature",
                "description": "Add user authentication",
                "project_id": 1,
                "status": "todo",
                "priority": 1,
            },
        ),
        ("POST", "/api/v1/projects", "{bad json"),
        ("POST", "/api/v1/projects", {"name": 5}),
    ]:
        if isinstance(b, str):
            r = client.request(m, p, content=b, headers=h | {"content-type": "application/json"})
        else:
            r = client.request(m, p, json=b, headers=h)
        print(m, p, r.status_code, r.json())
