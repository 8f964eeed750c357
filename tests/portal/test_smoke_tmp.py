from tests.portal.conftest import link_in  # noqa

def test_smoke(client_as, world):
    for who in ("ana", "dora", "bruno"):
        c = client_as(who)
        for url in ("/portal", "/portal/register", "/portal/registrations", "/portal/opportunities", "/portal/team",
                    f"/portal/registrations/{world.registrations['abertas']}", f"/portal/opportunities/{world.opportunities['abertas']}"):
            r = c.get(url)
            print(who, url, r.status_code)
            assert r.status_code in (200, 404), r.text[:3000]
    c = client_as("lucia")
    for url in (f"/partners/{world.partners['abertas']}/portal-users", "/announcements", "/portal"):
        r = c.get(url); print("lucia", url, r.status_code); assert r.status_code in (200, 403), r.text[:2000]
