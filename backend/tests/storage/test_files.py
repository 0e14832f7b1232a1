"""The two file stores behave alike: a folder, and an S3 bucket (moto's real S3 API server)."""

import io

import boto3
import pytest

from chatgepeto.settings import Settings
from chatgepeto.storage.files import (
    FileStore,
    LocalFileStore,
    S3FileStore,
    make_file_store,
)

from conftest import create_bucket

CONTENT = bytes(range(256)) * 400  # 102,400 bytes, every byte value


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> FileStore:
    if request.param == "local":
        return LocalFileStore(tmp_path / "files")
    endpoint = request.getfixturevalue("moto_s3")
    return S3FileStore(
        create_bucket(endpoint),
        "uploads/",
        endpoint_url=endpoint,
        region="us-east-1",
        tmp_dir=tmp_path / "tmp",
    )


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "original.pdf"
    path.write_bytes(CONTENT)
    return path


def test_save_open_delete(store, source):
    assert isinstance(store, FileStore)
    assert not store.exists("c1/d1")
    store.save("c1/d1", source, "application/pdf")
    assert store.exists("c1/d1")
    with store.open("c1/d1") as stream:
        assert stream.read() == CONTENT
    store.delete("c1/d1")
    assert not store.exists("c1/d1")
    store.delete("c1/d1")  # already gone: no error
    with pytest.raises(FileNotFoundError):
        store.open("c1/d1")


def test_streams_are_seekable_for_byte_ranges(store, source):
    store.save("c1/d1", source)
    with store.open("c1/d1") as stream:
        assert stream.seekable()
        assert stream.seek(0, io.SEEK_END) == len(CONTENT)
        stream.seek(len(CONTENT) - 10)
        assert stream.read() == CONTENT[-10:]
        stream.seek(1000)
        assert stream.read(5) == CONTENT[1000:1005]
        assert stream.tell() == 1005
        assert stream.read(5) == CONTENT[1005:1010]
        stream.seek(len(CONTENT))
        assert stream.read(5) == b""


def test_local_copy_is_a_readable_path_removed_afterwards(store, source, tmp_path):
    store.save("c1/d1", source)
    with store.local_copy("c1/d1") as path:
        assert path.read_bytes() == CONTENT
    if isinstance(store, S3FileStore):
        assert not path.exists()
        assert not any((tmp_path / "tmp").iterdir())
    with pytest.raises(FileNotFoundError), store.local_copy("c1/missing"):
        pass


def test_delete_prefix_removes_one_collection_only(store, source):
    for key in ("c1/d1", "c1/d2", "c10/d3", "c2/d4"):
        store.save(key, source)
    store.delete_prefix("c1")
    assert [store.exists(k) for k in ("c1/d1", "c1/d2", "c10/d3", "c2/d4")] == [
        False,
        False,
        True,
        True,
    ]
    store.delete_prefix("nothing-here")


def test_keys_are_never_paths(store, source):
    for key in ("../x", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(ValueError):
            store.save(key, source)


def test_s3_objects_live_under_the_prefix_with_their_type(moto_s3, source, tmp_path):
    bucket = create_bucket(moto_s3)
    store = S3FileStore(bucket, "originals", endpoint_url=moto_s3, region="us-east-1")
    store.save("c1/d1", source, "application/pdf")
    s3 = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1")
    head = s3.head_object(Bucket=bucket, Key="originals/c1/d1")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentLength"] == len(CONTENT)


def test_settings_choose_the_store(tmp_path):
    local = Settings(_env_file=None, data_dir=tmp_path)
    assert isinstance(make_file_store(local), LocalFileStore)
    s3 = Settings(
        _env_file=None,
        data_dir=tmp_path,
        s3_bucket="course-files",
        s3_endpoint_url="http://127.0.0.1:9",
        aws_region="sa-east-1",
    )
    store = make_file_store(s3)
    assert isinstance(store, S3FileStore)
    assert store.bucket == "course-files" and store.prefix == "uploads/"
    assert store.client.meta.region_name == "sa-east-1"
