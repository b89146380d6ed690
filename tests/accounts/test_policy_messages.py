"""The policy's refusals: the edge of each limit, and what each refusal says, in both languages.

test_policy.py decides who may do what; this file pins where the claim limits stop (a helper
exactly at their radius, or holding exactly their limit) and the refusal each person reads:
its code, its English and Thai text from the catalogue, and every figure filled in.
"""

import pytest

from jitasa.accounts import policy
from jitasa.accounts.policy import Action, ClaimLimits
from jitasa.core.config import Settings
from jitasa.core.errors import Conflict, DomainError, Forbidden, TooManyRequests, Unauthorized
from jitasa.core.i18n import _catalogue
from tests.accounts.test_policy import TARGET_AREA, person
from tests.factories import bearer, make_user

LIMITS = ClaimLimits(unverified_open=1, verified_open=5, releases_per_hour=3)


def refusal(kind: type[DomainError], call, *args, **kwargs) -> DomainError:
    """Return the refusal a call raises, checked to read in English and Thai, filled in."""
    with pytest.raises(kind) as raised:
        call(*args, **kwargs)
    error = raised.value
    assert error.message in _catalogue("th"), f"no Thai for {error.message!r}"
    assert error.detail_th != error.detail
    for detail in (error.detail, error.detail_th):
        assert "{" not in detail and "}" not in detail, detail
    return error


def test_the_claim_limits_are_those_the_settings_and_docs_give():
    settings = Settings(_env_file=None)
    assert ClaimLimits() == LIMITS
    assert (
        ClaimLimits(
            unverified_open=settings.unverified_open_claims,
            verified_open=settings.verified_open_claims,
            releases_per_hour=settings.releases_per_hour,
        )
        == LIMITS
    )


def test_anonymous_and_switched_off_people_are_asked_to_sign_in():
    for user in (None, person("volunteer")):
        if user is not None:
            user.is_active = False
        error = refusal(Unauthorized, policy.require, user, Action.READ_ME)
        assert (error.code, error.detail) == ("auth.required", "Please sign in first.")


def test_a_role_refusal_says_so():
    error = refusal(Forbidden, policy.require, person("requester"), Action.LIST_VOLUNTEERS)
    assert (error.code, error.detail) == ("auth.forbidden", "Your role does not allow this.")


def test_an_area_refusal_names_the_persons_area_or_a_dash():
    outside = person("coordinator_outside")
    error = refusal(
        Forbidden, policy.require, outside, Action.LIST_VOLUNTEERS, area_code=TARGET_AREA
    )
    assert (error.code, error.params) == ("auth.out_of_area", {"scope": "5002"})
    assert "(5002)" in error.detail and "5002" in error.detail_th
    outside.area_code = None
    error = refusal(
        Forbidden, policy.require, outside, Action.LIST_VOLUNTEERS, area_code=TARGET_AREA
    )
    assert error.params == {"scope": "-"}


def test_an_unverified_volunteer_is_told_to_ask_for_verification():
    error = refusal(
        Forbidden,
        policy.require_claim,
        person("volunteer"),
        verified_volunteer=False,
        sensitive=True,
    )
    assert error.code == "auth.unverified_volunteer"
    assert "verified" in error.detail


def test_a_helper_exactly_at_their_radius_may_claim_and_a_metre_beyond_may_not():
    helper = person("volunteer")
    policy.require_reach(helper, area_code=TARGET_AREA, distance_km=10.0, radius_km=10.0)
    error = refusal(
        Forbidden,
        policy.require_reach,
        helper,
        area_code=TARGET_AREA,
        distance_km=10.001,
        radius_km=10.0,
    )
    assert error.code == "claims.out_of_reach"


def test_out_of_reach_names_both_distances_to_a_tenth_of_a_km():
    error = refusal(
        Forbidden,
        policy.require_reach,
        person("volunteer"),
        area_code=TARGET_AREA,
        distance_km=12.345,
        radius_km=7.25,
    )
    assert error.params == {"distance_km": 12.3, "radius_km": 7.2}
    assert "12.3 km" in error.detail and "7.2 km" in error.detail
    assert "12.3" in error.detail_th and "7.2" in error.detail_th


def test_a_helper_without_a_home_pin_is_told_to_register_one():
    for who in ("volunteer", "coordinator_outside"):  # staff outside their area too
        error = refusal(
            Forbidden,
            policy.require_reach,
            person(who),
            area_code=TARGET_AREA,
            distance_km=None,
            radius_km=0.0,
        )
        assert error.code == "claims.no_home"
    policy.require_reach(
        person("coordinator_inside"), area_code=TARGET_AREA, distance_km=None, radius_km=0.0
    )
    policy.require_reach(person("admin"), area_code=TARGET_AREA, distance_km=None, radius_km=0.0)


@pytest.mark.parametrize(
    ("who", "verified", "limit"),
    [
        ("volunteer", False, 1),
        ("volunteer", True, 5),
        ("coordinator_outside", False, 5),  # staff hold as many as verified volunteers
    ],
)
def test_a_helper_may_hold_up_to_their_limit_and_not_one_more(who, verified, limit):
    helper = person(who)
    policy.require_open_claims(helper, verified=verified, holding=limit - 1, limits=LIMITS)
    error = refusal(
        Conflict,
        policy.require_open_claims,
        helper,
        verified=verified,
        holding=limit,
        limits=LIMITS,
    )
    assert (error.code, error.params) == ("claims.too_many_open", {"holding": limit})
    assert f"hold {limit} request(s)" in error.detail and str(limit) in error.detail_th


def test_admins_have_no_claim_limits():
    admin = person("admin")
    policy.require_open_claims(admin, verified=False, holding=10_000, limits=LIMITS)
    policy.require_release_quota(admin, released_last_hour=10_000, limits=LIMITS)


def test_a_fourth_release_in_an_hour_waits_an_hour():
    helper = person("volunteer")
    policy.require_release_quota(helper, released_last_hour=2, limits=LIMITS)
    error = refusal(
        TooManyRequests,
        policy.require_release_quota,
        helper,
        released_last_hour=3,
        limits=LIMITS,
    )
    assert (error.code, error.params) == (
        "claims.too_many_releases",
        {"released": 3, "retry_after": 3600},
    )
    assert "given back 3 requests" in error.detail and "3" in error.detail_th


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/volunteers"])
async def test_lists_asked_anonymously_without_an_area_ask_to_sign_in(client, path):
    response = await client.get(path)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "auth.required"


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/volunteers"])
async def test_lists_asked_without_an_area_by_a_volunteer_are_refused(client, session, path):
    helper = await make_user(session, roles=["volunteer"])
    response = await client.get(path, headers=await bearer(session, helper))
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "auth.forbidden"
