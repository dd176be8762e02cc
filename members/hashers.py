"""A cheap hash for the initial password only (ROLE-06, MEM-07).

The initial password is the ID number's last 8 characters: anyone who knows the ID
number knows it, so a slow hash protects nothing there. Hashing it with Argon2 for
each of 10,000 imported people would take minutes; this PBKDF2 variant with one
iteration takes a few microseconds. It is never used for a chosen password:
it is not the default hasher, so the first successful login re-hashes the password
with Argon2 (Django re-hashes with the preferred hasher), and the forced change
(must_change_password) sets a new one with Argon2 anyway.
"""

import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password


class InitialPasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_initial"
    iterations = 1  # the password is public (ID last 8): iterations protect nothing (see the docstring)

    def salt(self):
        # one call to the system's random source, not one per character (Django's default):
        # 10,000 imported people took 0.6 s for salts alone
        return secrets.token_hex(11)


def initial_password_hash(id_number):
    """The encoded initial password for `id_number`, with the cheap hasher when it is
    configured (PASSWORD_HASHERS), else with the default one."""
    raw = id_number[-8:]
    try:
        get_hasher(InitialPasswordHasher.algorithm)
    except ValueError:
        return make_password(raw)
    return make_password(raw, hasher=InitialPasswordHasher.algorithm)
