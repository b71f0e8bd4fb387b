"""The Django example is documentation code: it must stay valid Python (Django itself is not needed to check that)."""

from __future__ import annotations

import pathlib
import unittest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


class ExamplesTest(unittest.TestCase):

    def test_should_keep_every_example_file_valid_python(self) -> None:
        files = sorted(EXAMPLES.rglob("*.py"))

        self.assertGreaterEqual(len(files), 4, "example files found under %s" % EXAMPLES)
        for path in files:
            with self.subTest(str(path.relative_to(EXAMPLES))):
                compile(path.read_text(encoding="utf-8"), str(path), "exec")


if __name__ == "__main__":
    unittest.main()
