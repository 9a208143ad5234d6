"""Masking a string costs little once a Masker holds its secrets: the pieces of the secrets it looks for (thousands
for a PEM key and its encoded forms) are built once, not on every string. Every string of every event payload and
step output is masked, and building them on each call cost about 4 ms per string with one PEM key."""

from __future__ import annotations

from golive import masking
from golive.masking import MASK, Masker

PEM = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(f"{i:02d}" + "Q7kZpX2mW9rT4vB8nL3cY6hJ1dF5gS0aE" * 2
                                                  for i in range(26)) + "\n-----END PRIVATE KEY-----"


def test_the_pieces_of_the_secrets_are_built_once_for_many_strings() -> None:
    m = Masker([PEM, "tok-" + "a1b2c3d4e5f6" * 3])
    before = masking._grams.cache_info().misses
    lines = [f"request {i} served in 12ms path=/api/v1/orders status=200" for i in range(500)]
    assert [m.text(line) for line in lines] == lines
    assert masking._grams.cache_info().misses - before <= 1
    # and it still masks a piece of the key on a line of its own
    piece = PEM.splitlines()[3][5:30]
    assert m.text(f"leaked {piece} here") == f"leaked {MASK} here"
