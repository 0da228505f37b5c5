"""Jobs read their S3 objects with one GET each (moto reads a whole object for every ranged GET)."""

from __future__ import annotations

from pathlib import Path

from personalize_movielens.local.emulator import imports
from personalize_movielens.local.emulator.service import Emulator


def test_an_object_is_read_with_one_get(aws, tmp_path):
    """boto3's managed download splits objects above 8 MB into ranged GETs; moto would read
    the whole object for each of them."""
    s3 = aws.client("s3")
    key = aws.outputs.data_prefix + "big.bin"
    body = bytes(range(256)) * (40 * 1024 * 4)  # 40 MiB
    s3.put_object(Bucket=aws.outputs.bucket_name, Key=key, Body=body)
    log = Path(aws.state.moto.log)
    before = log.read_text(errors="replace")
    emu = Emulator(aws_endpoint=aws.endpoints.moto, state_dir=tmp_path)
    target = tmp_path / "big.bin"
    imports.download(emu, imports.Location(aws.outputs.bucket_name, key), key, target)
    assert target.read_bytes() == body
    requests = log.read_text(errors="replace")[len(before) :]
    assert requests.count(f"GET /{aws.outputs.bucket_name}/{key} ") == 1  # moto's access log
