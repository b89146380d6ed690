"""Many people given a role at once, for imports: the users and role rows written by batch."""

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.models import User, UserRole
from jitasa.audit import service as audit_service
from jitasa.core.db import utcnow
from jitasa.core.words import Role

USERS = User.__table__


async def ids_by_phone(session: AsyncSession, *, phones: list[str]) -> dict[str, int]:
    """Return the ids of the users with these E.164 phones (the phones that are known)."""
    rows = await session.execute(select(User.phone, User.id).where(User.phone.in_(phones)))
    return {phone: user_id for phone, user_id in rows}


async def save_many_with_role(
    session: AsyncSession, *, people: dict[str, str | None], role: Role, actor_id: int | None
) -> dict[str, int]:
    """Give a role to the people with these phones (E.164 → display name or None), as
    `save_user` would one by one: new phones become requesters first, names given replace
    theirs, and each change of roles is audited. Return every phone's user id."""
    statement = select(User.phone, User.id, User.area_code).where(User.phone.in_(list(people)))
    known = (await session.execute(statement)).all()
    area_of = {user_id: area_code for _phone, user_id, area_code in known}
    ids = {phone: user_id for phone, user_id, _area in known}
    roles_of: dict[int, set[str]] = {user_id: set() for user_id in ids.values()}
    for user_id, held in await session.execute(
        select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(list(roles_of)))
    ):
        roles_of[user_id].add(held)
    renamed = [
        {"user_id": ids[phone], "name": name}
        for phone, name in people.items()
        if phone in ids and name is not None
    ]
    if renamed:
        await session.execute(
            update(USERS)
            .where(USERS.c.id == bindparam("user_id"))
            .values(display_name=bindparam("name")),
            renamed,
        )
    new = [phone for phone in people if phone not in ids]
    if new:
        now = utcnow()
        created = await session.execute(
            insert(USERS).returning(USERS.c.phone, USERS.c.id),
            [{"phone": p, "display_name": people[p] or "", "created_at": now} for p in new],
        )
        for phone, user_id in created:
            ids[phone], area_of[user_id], roles_of[user_id] = user_id, None, {Role.REQUESTER}
    gaining = [user_id for user_id in ids.values() if role not in roles_of[user_id]]
    granted = [{"user_id": user_id, "role": role} for user_id in gaining]
    granted += [{"user_id": ids[phone], "role": Role.REQUESTER} for phone in new]
    if granted:
        await session.execute(insert(UserRole.__table__), granted)
    await audit_service.record_many(
        session,
        action="user.roles_changed",
        actor_id=actor_id,
        subject_type="user",
        entries=[
            {
                "subject_id": user_id,
                "area_code": area_of[user_id],
                "before": {"roles": sorted(roles_of[user_id]), "area_code": area_of[user_id]},
                "after": {
                    "roles": sorted(roles_of[user_id] | {role}),
                    "area_code": area_of[user_id],
                },
            }
            for user_id in gaining
        ],
    )
    return ids
