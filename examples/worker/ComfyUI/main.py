"""Stand-in for ComfyUI's main.py: parses the real flags, loads model management, and
with --quick-test-for-ci exits after start-up like ComfyUI's own CI smoke flag."""
import sys

import comfy.cli_args as cli

cli.args, _unknown = cli.parser.parse_known_args(sys.argv[1:])
import comfy.model_management as mm  # noqa: E402

print("ComfyUI stand-in starting on %s:%d (device %s)" % (cli.args.listen, cli.args.port, mm.get_torch_device().type))
if cli.args.quick_test_for_ci:
    print("quick test for CI: start-up OK")
    sys.exit(0)
