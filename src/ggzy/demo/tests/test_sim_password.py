"""The simulator's accounts pass the password validators whatever their generated usernames (a short
password once looked like 'simd6022d-zb' to the similarity validator: a flaky simulation)."""

import secrets

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password

from ggzy.demo.simulate import PASSWORD


def test_the_simulation_password_fits_every_generated_username() -> None:
    for _ in range(2000):
        run = secrets.token_hex(3)
        for role in ("zb", "dl", "db", "tb1", "tb12", "zj3", "d6022d"):
            validate_password(PASSWORD, User(username=f"sim{run}-{role}", first_name="模拟用户"))
    validate_password(PASSWORD, User(username="simd6022d-zb", first_name="模拟用户"))
