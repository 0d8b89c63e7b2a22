"""A public library's loans, as an ordinary schema holds them (run with a baked project's
Python):

    python tests/library.py URL    # the schema and deterministic rows

A third schema nobody here designed, with the traits real schemas have: a cycle of keys
(a branch's head is a librarian, who works at a branch), a link table (a book's authors:
one, several, or none), a binary column (a member's card photo), narrow types (a late fee
in Numeric(5, 2), a 5-character postcode), a table with no text reached by an integer key
(the shelves, named "Shelf 1"...), a column with one value (the channel), free text (the
members' addresses, remarks on a loan) and two paths to one table (a loan's branch through
the librarian who lent it or through the copy's home branch).
"""

from __future__ import annotations

import datetime as dt
import random
import sys

from rental import defer_key_checks  # tests/ is on sys.path: the script's own folder
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
)

metadata = MetaData()
branches = Table(
    "branches",
    metadata,
    Column("branch_id", Integer, primary_key=True),
    Column("branch_name", String(40), nullable=False),
    # The cycle: a branch's head is a librarian, and librarians work at a branch.
    Column("head_id", Integer, ForeignKey("librarians.librarian_id", use_alter=True)),
)
librarians = Table(
    "librarians",
    metadata,
    Column("librarian_id", Integer, primary_key=True),
    Column("surname", String(40), nullable=False),
    Column("branch_id", Integer, ForeignKey("branches.branch_id"), nullable=False),
)
shelves = Table(  # no text at all: inspect names them "Shelf 1", "Shelf 2"...
    "shelves",
    metadata,
    Column("shelf_id", Integer, primary_key=True),
    Column("level", Integer, nullable=False),
)
authors = Table(
    "authors",
    metadata,
    Column("author_id", Integer, primary_key=True),
    Column("author_name", String(60), nullable=False),
)
books = Table(
    "books",
    metadata,
    Column("book_id", Integer, primary_key=True),
    Column("title", String(100), nullable=False),
    Column("genre", String(20), nullable=False),
)
book_authors = Table(  # the link table: a book by one author, several, or none known
    "book_authors",
    metadata,
    Column("book_id", Integer, ForeignKey("books.book_id"), primary_key=True),
    Column("author_id", Integer, ForeignKey("authors.author_id"), primary_key=True),
)
copies = Table(
    "copies",
    metadata,
    Column("copy_id", Integer, primary_key=True),
    Column("book_id", Integer, ForeignKey("books.book_id"), nullable=False),
    Column("branch_id", Integer, ForeignKey("branches.branch_id"), nullable=False),
    Column("shelf_id", Integer, ForeignKey("shelves.shelf_id"), nullable=False),
)
members = Table(
    "members",
    metadata,
    Column("member_id", Integer, primary_key=True),
    Column("member_name", String(60), nullable=False),
    Column("postcode", String(5), nullable=False),  # five characters at most
    Column("address", String(120), nullable=False),  # free text, never a filter
    Column("card_photo", LargeBinary, nullable=True),
)
loans = Table(
    "loans",
    metadata,
    Column("loan_id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.member_id"), nullable=False),
    Column("copy_id", Integer, ForeignKey("copies.copy_id"), nullable=False),
    Column("librarian_id", Integer, ForeignKey("librarians.librarian_id"), nullable=False),
    Column("loaned_at", DateTime, nullable=False),
    Column("days", Integer, nullable=False),
    Column("late_fee", Numeric(5, 2), nullable=False),  # 999.99 at most
    Column("channel", String(8), nullable=False),  # one value: "desk"
    Column("remarks", Text, nullable=True),  # free text
)
LOANS = 4_000
START = dt.datetime(2024, 1, 2, 9)
GENRES = ("Novel", "History", "Poetry", "Science", "Children")


def create(url: str) -> None:
    rng = random.Random(23)
    engine = create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as c:
        defer_key_checks(c)  # the cycle's first rows
        c.execute(
            branches.insert(),
            [{"branch_id": i, "branch_name": f"Branch {i}", "head_id": i} for i in (1, 2, 3)],
        )
        c.execute(
            librarians.insert(),
            [
                {"librarian_id": i, "surname": f"Librarian {i}", "branch_id": (i - 1) % 3 + 1}
                for i in range(1, 10)
            ],
        )
        c.execute(shelves.insert(), [{"shelf_id": i, "level": i % 4} for i in range(1, 13)])
        c.execute(
            authors.insert(),
            [{"author_id": i, "author_name": f"Author {i}"} for i in range(1, 31)],
        )
        c.execute(
            books.insert(),
            [
                {"book_id": i, "title": f"Book {i}", "genre": rng.choice(GENRES)}
                for i in range(1, 201)
            ],
        )
        pairs = set()
        for i in range(1, 201):
            if i % 17 == 0:
                continue  # no author known
            for author_id in rng.sample(range(1, 31), rng.choice([1, 1, 1, 2, 3])):
                pairs.add((i, author_id))
        c.execute(
            book_authors.insert(),
            [{"book_id": b, "author_id": a} for b, a in sorted(pairs)],
        )
        c.execute(
            copies.insert(),
            [
                {
                    "copy_id": i,
                    "book_id": rng.randrange(1, 201),
                    "branch_id": i % 3 + 1,
                    "shelf_id": rng.randrange(1, 13),
                }
                for i in range(1, 801)
            ],  # fmt: skip
        )
        c.execute(
            members.insert(),
            [
                {
                    "member_id": i,
                    "member_name": f"Member {i}",
                    "postcode": f"{rng.randrange(10000, 99999)}",
                    "address": f"{rng.randrange(1, 400)} {rng.choice(['High', 'Mill', 'Park'])} "
                    f"Road, door {i}",
                    "card_photo": None if i % 4 else bytes([255, 216, 255, i % 256]),
                }
                for i in range(1, 501)
            ],  # fmt: skip
        )
        c.execute(
            loans.insert(),
            [
                {
                    "loan_id": i,
                    "member_id": rng.randrange(1, 501),
                    "copy_id": rng.randrange(1, 801),
                    "librarian_id": rng.randrange(1, 10),
                    "loaned_at": START + dt.timedelta(minutes=i * 181 + rng.randrange(90)),
                    "days": rng.randrange(3, 29),
                    "late_fee": rng.choice([0, 0, 0, 0.5, 1.25, 4.0, 12.75]),
                    "channel": "desk",
                    "remarks": None if i % 5 else f"Returned with a note, slip {i * 7919 % 10_000}",
                }
                for i in range(1, LOANS + 1)
            ],  # fmt: skip
        )
    engine.dispose()


if __name__ == "__main__":
    create(sys.argv[1])
