//! The index: schema, writing, and running a search.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::LogMergePolicy;
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term};

use crate::analysis::{self, GERMAN, GERMAN_PARTS, GERMAN_PLAIN};
use crate::query::{Plan, Synonyms};
use crate::{DocKind, Hit, SearchDoc, SearchError, SearchQuery, SearchResults, snippet};

/// At most this many idle search analyzers are kept.
const MAX_POOLED_ANALYZERS: usize = 16;
/// At most this many recent results are kept (see [`ResultCache`]).
const CACHED_RESULTS: usize = 512;
/// Memory the writer may buffer before it writes a segment, per indexing thread. The buffer
/// was the largest part of the memory peak while 100,000 events are indexed at start; a
/// smaller one writes more segments, which are merged in the background.
const WRITER_BUDGET_PER_THREAD: usize = 20_000_000;

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub key: Field,
    pub kind: Field,
    pub municipality: Field,
    pub municipality_hash: Field,
    pub title: Field,
    pub keywords: Field,
    pub body: Field,
    pub parts: Field,
    pub plain: Field,
    pub subtitle: Field,
    pub url: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let german = |stored: bool| {
            let indexing =
                TextFieldIndexing::default().set_tokenizer(GERMAN).set_index_option(IndexRecordOption::WithFreqs);
            let options = TextOptions::default().set_indexing_options(indexing);
            if stored { options.set_stored() } else { options }
        };
        let parts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(GERMAN_PARTS).set_index_option(IndexRecordOption::Basic),
        );
        // Only its dictionary is used (for typos), so no norms.
        let plain = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(GERMAN_PLAIN)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let fields = Fields {
            key: b.add_text_field("key", STRING | STORED),
            kind: b.add_text_field("kind", STRING | STORED),
            municipality: b.add_text_field("municipality", STORED),
            municipality_hash: b.add_u64_field("municipality_hash", tantivy::schema::FAST),
            title: b.add_text_field("title", german(true)),
            keywords: b.add_text_field("keywords", german(false)),
            body: b.add_text_field("body", german(true)),
            parts: b.add_text_field("parts", parts),
            plain: b.add_text_field("plain", plain),
            subtitle: b.add_text_field("subtitle", STORED),
            url: b.add_text_field("url", STORED),
        };
        (b.build(), fields)
    }
}

/// A stable 64-bit hash of a municipality slug (FNV-1a); 0 stands for "regional".
fn municipality_hash(slug: Option<&str>) -> u64 {
    let Some(slug) = slug else { return 0 };
    let hash = slug.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    hash.max(1)
}

/// The site-search index, in RAM.
///
/// Any number of threads may search while one writes: a search sees the index as of the last
/// completed write (commit), never half of one. Writes are serialized.
pub struct SearchIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// Analyzers for searches, kept for their warm stem caches (one taken per search).
    analyzers: Mutex<Vec<TextAnalyzer>>,
    synonyms: RwLock<Arc<Synonyms>>,
    /// A [`Rebuild`] is in progress.
    rebuilding: AtomicBool,
    cache: Mutex<ResultCache>,
}

/// The results of recent searches, for the state of the index they were computed on: citizens
/// ask the same few questions ("Personalausweis", "Wohnsitz anmelden") all day, and a search
/// costs milliseconds of analysis, typo expansion and snippets. Any change of the index (a new
/// searcher generation) or of the synonyms empties it.
#[derive(Debug, Default)]
struct ResultCache {
    generation: u64,
    results: HashMap<CacheKey, SearchResults>,
    /// Keys in the order they were added: the oldest goes first when the cache is full.
    order: VecDeque<CacheKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    text: String,
    municipality: Option<String>,
    related: Vec<String>,
    kinds: Vec<DocKind>,
    limit: usize,
    offset: usize,
}

impl CacheKey {
    fn of(q: &SearchQuery<'_>) -> Self {
        Self {
            text: q.text.trim().to_owned(),
            municipality: q.municipality.map(str::to_owned),
            related: q.related.iter().map(|r| (*r).to_owned()).collect(),
            kinds: q.kinds.to_vec(),
            limit: q.limit,
            offset: q.offset,
        }
    }
}

impl ResultCache {
    fn get(&mut self, generation: u64, key: &CacheKey) -> Option<SearchResults> {
        if generation != self.generation {
            self.clear(generation);
            return None;
        }
        self.results.get(key).cloned()
    }

    fn put(&mut self, generation: u64, key: CacheKey, results: &SearchResults) {
        if generation != self.generation {
            self.clear(generation);
        }
        if self.results.len() >= CACHED_RESULTS
            && let Some(oldest) = self.order.pop_front()
        {
            self.results.remove(&oldest);
        }
        if self.results.insert(key.clone(), results.clone()).is_none() {
            self.order.push_back(key);
        }
    }

    fn clear(&mut self, generation: u64) {
        self.generation = generation;
        self.results.clear();
        self.order.clear();
    }
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex").field("docs", &self.len()).finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// An empty index, without synonyms.
    pub fn new() -> Result<Self, SearchError> {
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(GERMAN, analysis::german());
        index.tokenizers().register(GERMAN_PARTS, analysis::german_parts());
        index.tokenizers().register(GERMAN_PLAIN, analysis::german_plain());
        // One indexing thread: each holds its own buffer, and the index is built once at start.
        let threads = 1;
        let writer: IndexWriter = index.writer_with_num_threads(threads, threads * WRITER_BUDGET_PER_THREAD)?;
        // Upserts leave deleted documents behind, which searches still step over: merge a
        // segment once a third of it is deleted (tantivy's default waits for all of it).
        let mut merge_policy = LogMergePolicy::default();
        merge_policy.set_del_docs_ratio_before_merge(0.3);
        writer.set_merge_policy(Box::new(merge_policy));
        // Our own commits reload the reader at once (so a write is visible when the call
        // returns); the delay policy also picks up the merges the writer does in the background.
        let reader = index.reader_builder().reload_policy(ReloadPolicy::OnCommitWithDelay).try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzers: Mutex::new(Vec::new()),
            synonyms: RwLock::new(Arc::new(Synonyms::default())),
            rebuilding: AtomicBool::new(false),
            cache: Mutex::new(ResultCache::default()),
        })
    }

    /// Sets the synonym groups, replacing the previous ones: a query word also matches the other
    /// words of its group(s), e.g. `[["kfz", "auto", "fahrzeug", "pkw"], ["ausweis",
    /// "personalausweis"]]`. Words are analyzed like the text ("Führerschein" = "fuehrerschein");
    /// an entry of several words stands for each of them. Takes effect for the next search.
    pub fn set_synonyms(&self, groups: Vec<Vec<String>>) {
        let synonyms = Arc::new(Synonyms::build(&mut analysis::german(), &groups));
        *self.synonyms.write().unwrap_or_else(PoisonError::into_inner) = synonyms;
        // Results found with the old groups are stale.
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = cache.generation;
        cache.clear(generation);
    }

    /// Drops every document of `kind` and adds `docs` instead, in one commit: searches see the
    /// old set or the new one. Made for (re)building a kind from the database.
    ///
    /// Documents of another kind among `docs` are upserted; a key given twice keeps the last
    /// document. A key is assumed not to be in use by a document of another kind already (keys
    /// are unique across the index: prefix them with the kind).
    pub fn replace_kind(&self, kind: DocKind, docs: impl IntoIterator<Item = SearchDoc>) -> Result<(), SearchError> {
        let mut rebuild = self.rebuild(kind)?;
        rebuild.add(docs)?;
        rebuild.commit()
    }

    /// Starts replacing every document of `kind`, with the documents added in parts
    /// ([`Rebuild::add`], say one database batch at a time, so that they never all sit in
    /// memory) and committed at once ([`Rebuild::commit`]): searches see the old set until then.
    /// Dropped without a commit, it leaves the index as it was. While it lasts, other writes
    /// are refused (they would commit half of it).
    pub fn rebuild(&self, kind: DocKind) -> Result<Rebuild<'_>, SearchError> {
        if self.rebuilding.swap(true, Ordering::AcqRel) {
            return Err(busy());
        }
        let rebuild = Rebuild { index: self, kind, keys: HashSet::new(), committed: false };
        self.writer()?.delete_term(Term::from_field_text(self.fields.kind, kind.as_str()));
        Ok(rebuild)
    }

    /// Adds `docs`, each replacing the document with the same key if there is one, in one commit.
    pub fn upsert(&self, docs: impl IntoIterator<Item = SearchDoc>) -> Result<(), SearchError> {
        self.apply(docs, std::iter::empty())
    }

    /// Removes the documents with these keys (unknown keys are ignored), in one commit.
    pub fn remove(&self, keys: impl IntoIterator<Item = String>) -> Result<(), SearchError> {
        self.apply(std::iter::empty(), keys)
    }

    /// Upserts `docs` and removes the documents with the keys `remove`, in one commit.
    pub fn apply(
        &self,
        docs: impl IntoIterator<Item = SearchDoc>,
        remove: impl IntoIterator<Item = String>,
    ) -> Result<(), SearchError> {
        self.write(|writer, fields| {
            for key in remove {
                writer.delete_term(Term::from_field_text(fields.key, &key));
            }
            for doc in docs {
                writer.delete_term(Term::from_field_text(fields.key, &doc.key));
                writer.add_document(to_document(fields, &doc))?;
            }
            Ok(())
        })
    }

    /// How many documents the index holds (as searches see it now).
    pub fn len(&self) -> usize {
        usize::try_from(self.reader.searcher().num_docs()).unwrap_or(usize::MAX)
    }

    /// The bytes the index's files take (in RAM), by field where tantivy can tell; for the logs
    /// and the memory figures of `bench/`.
    pub fn bytes(&self) -> u64 {
        self.reader.searcher().space_usage().map_or(0, |u| u.total().get_bytes())
    }

    /// How many documents of a kind the index holds.
    pub fn count(&self, kind: DocKind) -> usize {
        let q = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.kind, kind.as_str()),
            tantivy::schema::IndexRecordOption::Basic,
        );
        self.reader.searcher().search(&q, &tantivy::collector::Count).unwrap_or(0)
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Searches. An empty query (or one of punctuation only) has no results; no text is an
    /// error, whatever characters it contains.
    pub fn search(&self, q: &SearchQuery<'_>) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = CacheKey::of(q);
        if let Some(hit) = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(generation, &key) {
            return Ok(hit);
        }
        let results = self.search_uncached(&searcher, q)?;
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).put(generation, key, &results);
        Ok(results)
    }

    /// A search that does not look at the cache of recent results (for measuring the engine).
    pub fn search_fresh(&self, q: &SearchQuery<'_>) -> Result<SearchResults, SearchError> {
        self.search_uncached(&self.reader.searcher(), q)
    }

    fn search_uncached(&self, searcher: &tantivy::Searcher, q: &SearchQuery<'_>) -> Result<SearchResults, SearchError> {
        let mut analyzer =
            self.analyzers.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_else(analysis::german);
        let result = self.search_with(searcher, &mut analyzer, q);
        let mut analyzers = self.analyzers.lock().unwrap_or_else(PoisonError::into_inner);
        if analyzers.len() < MAX_POOLED_ANALYZERS {
            analyzers.push(analyzer);
        }
        result
    }

    fn search_with(
        &self,
        searcher: &tantivy::Searcher,
        analyzer: &mut TextAnalyzer,
        q: &SearchQuery<'_>,
    ) -> Result<SearchResults, SearchError> {
        let synonyms = Arc::clone(&self.synonyms.read().unwrap_or_else(PoisonError::into_inner));
        let Some(plan) = Plan::new(analyzer, &synonyms, searcher, &self.fields, q.text)? else {
            return Ok(SearchResults::default());
        };
        let query = plan.query(&self.fields, q.kinds);

        let preferred: Arc<Vec<u64>> = Arc::new(match q.municipality {
            Some(m) => [municipality_hash(None), municipality_hash(Some(m))]
                .into_iter()
                .chain(q.related.iter().map(|r| municipality_hash(Some(r))))
                .collect(),
            None => Vec::new(),
        });
        let (total, top) = if q.limit == 0 {
            (searcher.search(&query, &Count)?, Vec::new())
        } else {
            let top = TopDocs::with_limit(q.limit).and_offset(q.offset).tweak_score(move |segment: &SegmentReader| {
                let column = segment.fast_fields().u64("municipality_hash").ok().map(|c| c.first_or_default_col(0));
                let preferred = Arc::clone(&preferred);
                move |doc, score: Score| {
                    let tier = match &column {
                        Some(column) if !preferred.is_empty() => u8::from(preferred.contains(&column.get_val(doc))),
                        _ => 0,
                    };
                    (tier, score)
                }
            });
            searcher.search(&query, &(Count, top))?
        };

        let mut hits = Vec::with_capacity(top.len());
        for ((_, score), address) in top {
            if let Some(hit) = self.hit(searcher, analyzer, &plan, address, score)? {
                hits.push(hit);
            }
        }
        Ok(SearchResults { hits, total })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        analyzer: &mut TextAnalyzer,
        plan: &Plan,
        address: DocAddress,
        score: Score,
    ) -> Result<Option<Hit>, SearchError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let f = &self.fields;
        let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let Some(kind) = DocKind::parse(&text(f.kind)) else { return Ok(None) };
        let municipality = doc.get_first(f.municipality).and_then(|v| v.as_str()).map(str::to_owned);
        let body = doc.get_first(f.body).and_then(|v| v.as_str()).unwrap_or_default();
        Ok(Some(Hit {
            kind,
            key: text(f.key),
            title: text(f.title),
            subtitle: text(f.subtitle),
            url: text(f.url),
            municipality,
            score,
            snippet: snippet::make(analyzer, body, plan),
        }))
    }

    /// The writer. If a write panicked half-way (in the caller's iterator, say), what it had
    /// added is rolled back first.
    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        match self.writer.lock() {
            Ok(writer) => Ok(writer),
            Err(poisoned) => {
                let mut writer = poisoned.into_inner();
                writer.rollback()?;
                self.writer.clear_poison();
                Ok(writer)
            }
        }
    }

    /// Runs `ops` on the writer and commits, or rolls back if they fail; then reloads the
    /// reader so that the next search sees the change.
    fn write(&self, ops: impl FnOnce(&IndexWriter, &Fields) -> tantivy::Result<()>) -> Result<(), SearchError> {
        if self.rebuilding.load(Ordering::Acquire) {
            return Err(busy());
        }
        let mut writer = self.writer()?;
        let result = ops(&writer, &self.fields).and_then(|()| writer.commit().map(|_| ()));
        if let Err(e) = result {
            writer.rollback()?;
            return Err(e.into());
        }
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }
}

fn busy() -> SearchError {
    SearchError::from(tantivy::TantivyError::InvalidArgument(
        "a rebuild of the search index is in progress: write after it is committed".into(),
    ))
}

/// A replacement of every document of one kind in progress (see [`SearchIndex::rebuild`]).
pub struct Rebuild<'a> {
    index: &'a SearchIndex,
    kind: DocKind,
    /// The keys added so far: a key given twice keeps the last document.
    keys: HashSet<String>,
    committed: bool,
}

impl fmt::Debug for Rebuild<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rebuild").field("kind", &self.kind).field("added", &self.keys.len()).finish_non_exhaustive()
    }
}

impl Rebuild<'_> {
    /// Adds documents (not yet visible to searches).
    pub fn add(&mut self, docs: impl IntoIterator<Item = SearchDoc>) -> Result<(), SearchError> {
        let writer = self.index.writer()?;
        let fields = &self.index.fields;
        for doc in docs {
            // Deleting by key costs memory until the commit (about 1 KB each), so it is done
            // only where needed, not for every document of a rebuild.
            if !self.keys.insert(doc.key.clone()) || doc.kind != self.kind {
                writer.delete_term(Term::from_field_text(fields.key, &doc.key));
            }
            writer.add_document(to_document(fields, &doc))?;
        }
        Ok(())
    }

    /// Makes the new set visible to searches, all at once.
    pub fn commit(mut self) -> Result<(), SearchError> {
        let mut writer = self.index.writer()?;
        writer.commit()?;
        drop(writer);
        self.committed = true;
        self.index.rebuilding.store(false, Ordering::Release);
        self.index.reader.reload()?;
        Ok(())
    }
}

impl Drop for Rebuild<'_> {
    fn drop(&mut self) {
        if !self.committed {
            if let Ok(mut writer) = self.index.writer() {
                // The old set stays; a failed rollback leaves nothing worse than before.
                let _ = writer.rollback();
            }
            self.index.rebuilding.store(false, Ordering::Release);
        }
    }
}

fn to_document(f: &Fields, doc: &SearchDoc) -> TantivyDocument {
    let mut d = TantivyDocument::new();
    d.add_text(f.key, &doc.key);
    d.add_text(f.kind, doc.kind.as_str());
    if let Some(m) = &doc.municipality {
        d.add_text(f.municipality, m);
    }
    d.add_u64(f.municipality_hash, municipality_hash(doc.municipality.as_deref()));
    d.add_text(f.title, &doc.title);
    d.add_text(f.parts, &doc.title);
    d.add_text(f.plain, &doc.title);
    for keyword in &doc.keywords {
        d.add_text(f.keywords, keyword);
        d.add_text(f.parts, keyword);
        d.add_text(f.plain, keyword);
    }
    d.add_text(f.body, &doc.body);
    if doc.kind != DocKind::Event {
        d.add_text(f.parts, &doc.body);
    }
    d.add_text(f.subtitle, &doc.subtitle);
    d.add_text(f.url, &doc.url);
    d
}
