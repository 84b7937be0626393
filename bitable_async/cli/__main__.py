"""``python -m bitable_async.cli``: the same as the ``bitable-async`` console script."""

from bitable_async.cli import main

if __name__ == "__main__":
    main()
