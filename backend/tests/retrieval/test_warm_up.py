"""Start-up builds every collection's BM25 index, so that no first search waits for it."""

from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Collection

from conftest import AUTH, create_collection, upload, wait_for_document
from utils.documents import make_pdf


def versions(services) -> dict[str, int]:
    with services.sessions() as session:
        return {c.id: c.index_version for c in session.query(Collection)}


def ingest(client, tmp_path, collection_id: str, name: str, text: str) -> None:
    pdf = make_pdf(tmp_path / name, [text]).read_bytes()
    item = upload(client, collection_id, (name, pdf)).get_json()["items"][0]
    wait_for_document(client, item["id"])


def test_warm_up_holds_every_collection_index_without_a_search(make_app, settings, tmp_path):
    client = make_app(settings).test_client()
    biology = create_collection(client, "Biologia")
    chemistry = create_collection(client, "Química")
    ingest(client, tmp_path, biology, "a.pdf", "Fotossíntese acontece nos cloroplastos.")
    ingest(client, tmp_path, chemistry, "b.pdf", "Ligações covalentes compartilham elétrons.")

    restarted = make_app(settings, start_jobs=False).extensions["chatgepeto"]
    cache = restarted.retriever.lexical
    assert cache.cached_version(biology) is None
    restarted.warm_up(search=True)
    current = versions(restarted)
    assert current[biology] > 0
    for collection_id, version in current.items():
        assert cache.cached_version(collection_id) == version

    hits = restarted.retriever.search(biology, "cloroplastos", 3, mode="bm25")
    assert [h.filename for h in hits] == ["a.pdf"]


def test_a_restart_loads_the_saved_index_and_rebuilds_a_changed_one(make_app, settings, tmp_path):
    client = make_app(settings).test_client()
    collection_id = create_collection(client)
    ingest(client, tmp_path, collection_id, "a.pdf", "Fotossíntese acontece nos cloroplastos.")
    make_app(settings, start_jobs=False).extensions["chatgepeto"].warm_up(search=True)

    def fail():
        raise AssertionError("the saved index of this version should have been loaded")

    restarted = make_app(settings, start_jobs=False).extensions["chatgepeto"]
    version = versions(restarted)[collection_id]
    index = restarted.retriever.lexical.get(collection_id, version, fail)
    assert index.search(["cloroplast"], 3)

    # A change after the save: the saved index is stale and is not used for the new version.
    ingest(client, tmp_path, collection_id, "b.pdf", "Ribossomos sintetizam proteínas.")
    again = make_app(settings, start_jobs=False).extensions["chatgepeto"]
    again.warm_up(search=True)
    assert again.retriever.lexical.cached_version(collection_id) == versions(again)[collection_id]
    hits = again.retriever.search(collection_id, "ribossomos", 3, mode="bm25")
    assert [h.filename for h in hits] == ["b.pdf"]


def test_warm_up_forgets_the_saves_of_deleted_collections(make_app, settings, tmp_path):
    app = make_app(settings)
    client = app.test_client()
    kept = create_collection(client, "Biologia")
    gone = create_collection(client, "Química")
    ingest(client, tmp_path, gone, "b.pdf", "Ligações covalentes compartilham elétrons.")
    services = app.extensions["chatgepeto"]
    services.warm_up(search=True)
    saved = settings.storage.lexical_dir / "1"
    assert {p.name for p in saved.iterdir()} == {kept, gone}

    # Deleted by a process with a data folder of its own: pruned here at the next start.
    with session_scope(services.sessions) as session:
        session.delete(session.get(Collection, gone))
    make_app(settings, start_jobs=False).extensions["chatgepeto"].warm_up(search=True)
    assert {p.name for p in saved.iterdir()} == {kept}


def test_deleting_a_collection_deletes_its_saved_index(client, app, settings):
    collection_id = create_collection(client)
    app.extensions["chatgepeto"].warm_up(search=True)
    assert (settings.storage.lexical_dir / "1" / collection_id).is_dir()
    assert client.delete(f"/api/collections/{collection_id}", headers=AUTH).status_code == 204
    assert not (settings.storage.lexical_dir / "1" / collection_id).exists()


def test_warm_up_of_a_dense_only_service_builds_no_lexical_index(make_app, make_settings):
    settings = make_settings(retriever="dense")
    app = make_app(settings)
    create_collection(app.test_client())
    app.extensions["chatgepeto"].warm_up(search=True)
    assert not settings.storage.lexical_dir.exists()
