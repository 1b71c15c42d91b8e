# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/verda-cloud/verda" {
  version     = "1.1.1"
  constraints = "1.1.1"
  hashes = [
    "h1:8shduGDGhfmjl0Ukb5WfK9KH9gd3ov+TwbUAu9lAraY=",
    "zh:4287b6f8721790d7b7187a350e0c2f802c76ca368890391b151eab91c65cba50",
    "zh:4417271f21920ed147a5aabc258d6b50f29333f7415fc6092ad908f540a313be",
    "zh:7c4b9469b8fdf552d82e5dcf247f7086e50720a87d5c8dce9359ded004ba31b8",
    "zh:b3994c706e1551ed2fe8dbdaa070c788d5faad9611708da7b03c0736bb1302b0",
    "zh:cc80699487ae0c39f87b105ce3dbb15ef150040d044d95912f53aed409d3f7a5",
    "zh:f809ab383cca0a5f83072981c64208cbd7fa67e986a86ee02dd2c82333221e32",
  ]
}
