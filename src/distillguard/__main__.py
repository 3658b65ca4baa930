import sys

from distillguard.cli import main

sys.exit(main())
