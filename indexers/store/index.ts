/** The LanceDB store behind the index: writer for `indexRepository`, reader for retrieval. */
export { openIndex } from './reader.js';
export { IndexWriter, IndexLockedError, VECTOR_INDEX_MIN_VALUES, type FileUpdate } from './writer.js';
export { indexDir, ragentDir } from './location.js';
export { SCHEMA_VERSION, type StoredFile, type EmbeddedChunk } from './schema.js';
