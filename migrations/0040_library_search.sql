-- The text of a resource's PDF files, extracted once at upload (bounded, in
-- a helper process: `library::pdftext`), so that search finds a resource by
-- the words inside its documents. NULL: not a PDF, or nothing could be read.
ALTER TABLE resource_files ADD COLUMN text_content TEXT;
