"""The policy decides every action for every role, inside and outside the user's area."""

import itertools
from datetime import UTC, datetime

import pytest

from jitasa.accounts import policy
from jitasa.accounts.models import User, UserRole
from jitasa.accounts.policy import Action
from jitasa.core.errors import Conflict, Forbidden, Unauthorized
from jitasa.core.words import Role

# Who may do what, written out independently of policy.RULES so the test can disagree with it.
EVERYONE_SIGNED_IN = {
    "requester",
    "volunteer",
    "coordinator_inside",
    "coordinator_outside",
    "province_coordinator",
    "admin",
}
STAFF_INSIDE = {"coordinator_inside", "province_coordinator", "admin"}
EXPECTED = {
    Action.READ_ME: EVERYONE_SIGNED_IN,
    Action.MANAGE_OWN_TOKENS: EVERYONE_SIGNED_IN,
    Action.REGISTER_VOLUNTEER: EVERYONE_SIGNED_IN,
    Action.LIST_VOLUNTEERS: STAFF_INSIDE,
    Action.READ_VOLUNTEER: STAFF_INSIDE,
    Action.VERIFY_VOLUNTEER: STAFF_INSIDE,
    Action.SET_VILLAGE: STAFF_INSIDE,
    Action.MANAGE_USERS: {"admin"},
    Action.READ_AUDIT: STAFF_INSIDE,
    Action.MANAGE_INCIDENTS: {"admin"},
    Action.REQUEST_HELP: EVERYONE_SIGNED_IN,
    Action.CLAIM_REQUEST: {
        "volunteer",
        "coordinator_inside",
        "coordinator_outside",
        "province_coordinator",
        "admin",
    },
    Action.MANAGE_REQUESTS: STAFF_INSIDE,
    Action.ASSIGN_REQUEST: STAFF_INSIDE,
    Action.MERGE_REQUEST: STAFF_INSIDE,
    Action.MANAGE_FACILITIES: STAFF_INSIDE,
    Action.UPDATE_CAPACITY: STAFF_INSIDE,
    Action.READ_STATS: STAFF_INSIDE,
    Action.IMPORT_DATA: STAFF_INSIDE,
    Action.FOLLOW_UP_VILLAGE: STAFF_INSIDE,  # and the village's อสม. (require_village)
    Action.READ_REGISTER_FIGURES: STAFF_INSIDE,
}
TARGET_AREA = "500101"  # a subdistrict of Mueang Chiang Mai


def person(name: str) -> User | None:
    """Build the user a matrix row stands for (not stored: the policy is a pure function)."""
    roles, area = {
        "anonymous": (None, None),
        "requester": ({Role.REQUESTER}, None),
        "volunteer": ({Role.VOLUNTEER, Role.REQUESTER}, None),
        "coordinator_inside": ({Role.COORDINATOR}, "5001"),
        "coordinator_outside": ({Role.COORDINATOR}, "5002"),
        "province_coordinator": ({Role.COORDINATOR}, "50"),
        "admin": ({Role.ADMIN}, None),
    }[name]
    if roles is None:
        return None
    return User(
        phone="+66800000000",
        is_active=True,
        area_code=area,
        role_rows=[UserRole(role=r) for r in roles],
    )


PEOPLE = ["anonymous", *sorted(EVERYONE_SIGNED_IN)]


def test_every_action_has_an_expectation():
    assert set(EXPECTED) == set(Action) == set(policy.RULES)


@pytest.mark.parametrize(("action", "who"), list(itertools.product(Action, PEOPLE)))
def test_policy_matrix(action, who):
    user = person(who)
    if who in EXPECTED[action]:
        assert policy.require(user, action, area_code=TARGET_AREA) is user
    elif user is None:
        with pytest.raises(Unauthorized):
            policy.require(user, action, area_code=TARGET_AREA)
    else:
        with pytest.raises(Forbidden) as refused:
            policy.require(user, action, area_code=TARGET_AREA)
        outside = who == "coordinator_outside" and "coordinator_inside" in EXPECTED[action]
        expected_code = "auth.out_of_area" if outside else "auth.forbidden"
        assert refused.value.code == expected_code


def test_inactive_user_may_do_nothing():
    user = person("admin")
    user.is_active = False
    assert not any(policy.allows(user, action, area_code=TARGET_AREA) for action in Action)


@pytest.mark.parametrize(
    "action", [action for action, rule in policy.RULES.items() if rule.area_scoped]
)
@pytest.mark.parametrize("who", PEOPLE)
def test_an_area_scoped_action_everywhere_is_for_admins_only(action, who):
    assert policy.allows(person(who), action, area_code=None) is (who == "admin")


@pytest.mark.parametrize(
    ("scope", "area", "inside"),
    [
        ("50", "50", True),
        ("50", "5001", True),
        ("50", "50010101", True),
        ("5001", "50", False),
        ("5001", "5002", False),
        ("5001", "500101", True),
        ("10", "1001", True),
        ("1", "10", False),
        (None, "50", False),
        ("50", None, False),
    ],
)
def test_area_scope_follows_dopa_code_prefixes(scope, area, inside):
    assert policy.covers(scope, area) is inside


def test_listing_defaults_to_the_coordinators_own_area_and_refuses_others():
    coordinator = person("coordinator_inside")
    assert policy.scope_for_listing(coordinator, Action.LIST_VOLUNTEERS, None) == "5001"
    assert policy.scope_for_listing(coordinator, Action.LIST_VOLUNTEERS, "500101") == "500101"
    with pytest.raises(Forbidden):
        policy.scope_for_listing(coordinator, Action.LIST_VOLUNTEERS, "50")
    assert policy.scope_for_listing(person("admin"), Action.LIST_VOLUNTEERS, None) is None
    no_scope = person("coordinator_inside")
    no_scope.area_code = None
    with pytest.raises(Forbidden):
        policy.scope_for_listing(no_scope, Action.LIST_VOLUNTEERS, None)


@pytest.mark.parametrize(
    ("who", "verified", "sensitive", "allowed"),
    [
        ("volunteer", False, False, True),
        ("volunteer", False, True, False),
        ("volunteer", True, True, True),
        ("requester", True, False, False),
        ("admin", False, True, True),
        ("coordinator_inside", False, True, False),
    ],
)
def test_only_verified_volunteers_claim_medical_or_transport(who, verified, sensitive, allowed):
    user = person(who)
    if allowed:
        assert policy.require_claim(user, verified_volunteer=verified, sensitive=sensitive)
    else:
        with pytest.raises(Forbidden):
            policy.require_claim(user, verified_volunteer=verified, sensitive=sensitive)


def test_assigning_needs_a_verified_available_volunteer_and_a_confirmed_reassign():
    policy.require_assignable(name="สมศรี", verified=True, available=True)
    for verified, available, code in (
        (False, True, "assign.unverified_volunteer"),
        (True, False, "assign.unavailable_volunteer"),
        (False, False, "assign.unverified_volunteer"),
    ):
        with pytest.raises(Conflict) as refused:
            policy.require_assignable(name="สมศรี", verified=verified, available=available)
        assert refused.value.code == code and "สมศรี" in refused.value.detail_th
    since = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    held = {"status": "claimed", "claimed_by_id": 7, "claimed_at": since}
    policy.require_reassign_confirmed(holder=None, confirmed=False, **held)
    policy.require_reassign_confirmed(holder="นายแดง", confirmed=True, **held)
    with pytest.raises(Conflict) as unconfirmed:
        policy.require_reassign_confirmed(holder="นายแดง", confirmed=False, **held)
    # Since when, as Bangkok wall-clock time (UTC+7), the BE year in Thai; ISO for programs.
    assert unconfirmed.value.detail.startswith(
        "นายแดง has held this request since 30 Nov 2026 16:00;"
    )
    assert "ตั้งแต่ 30 พ.ย. 2569 16:00 น." in unconfirmed.value.detail_th
    assert since.isoformat() not in unconfirmed.value.detail
    current = unconfirmed.value.problem()["current"]
    assert current == {"status": "claimed", "claimed_by_id": 7, "claimed_at": since.isoformat()}
    assert unconfirmed.value.code == "request.taken"
    with pytest.raises(Conflict) as undated:
        policy.require_reassign_confirmed(
            holder="นายแดง", confirmed=False, **{**held, "claimed_at": None}
        )
    assert undated.value.detail.startswith("นายแดง holds this request;")
    assert "None" not in undated.value.detail and "None" not in undated.value.detail_th


@pytest.mark.parametrize(
    ("transport", "vehicle", "ppe_trained", "refusal"),
    [
        (None, False, False, None),
        ("patient", True, False, None),
        ("patient", False, True, "no_vehicle"),
        ("body", True, True, None),
        ("body", True, False, "no_ppe_training"),
        ("body", False, True, "no_vehicle"),
    ],
)
def test_transport_needs_a_vehicle_and_the_deceased_ppe_training(
    transport, vehicle, ppe_trained, refusal
):
    helper = person("volunteer")
    rule = {"transport": transport, "vehicle": vehicle, "ppe_trained": ppe_trained}
    assert policy.allows_transport(helper, **rule) is (refusal is None)
    if refusal is None:
        policy.require_transport_assignable(name="สมชาย", **rule)
        return
    with pytest.raises(Forbidden) as refused:
        policy.require_transport_helper(helper, **rule)
    assert refused.value.code == f"claims.{refusal}"
    assert refused.value.detail_th != refused.value.detail
    with pytest.raises(Conflict) as not_assigned:
        policy.require_transport_assignable(name="สมชาย", **rule)
    assert not_assigned.value.code == f"assign.{refusal}"
    assert "สมชาย" in not_assigned.value.detail_th
