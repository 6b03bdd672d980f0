/**
 * data-factory's own job: ingest CSV uploads into D1 (table `ingest_records`, migrations/).
 */

/**
 * Parses RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. The first row is
 * the header; every row must have as many fields as the header.
 */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (quoted) throw new Error('Unterminated quoted field');
  if (field !== '' || row.length > 0) rows.push([...row, field]);

  const [header, ...body] = rows.filter((r) => !(r.length === 1 && r[0] === ''));
  if (!header) return [];
  return body.map((fields, index) => {
    if (fields.length !== header.length) throw new Error(`Row ${index + 2} has ${fields.length} fields, the header has ${header.length}`);
    return Object.fromEntries(header.map((name, i) => [name, fields[i]!]));
  });
}

/** Stores parsed rows under `source` in one batch; returns their ids. */
export async function storeRecords(db: D1Database, source: string, records: Record<string, string>[]): Promise<string[]> {
  const ids = records.map(() => crypto.randomUUID());
  if (records.length === 0) return ids;
  const insert = db.prepare('INSERT INTO ingest_records (id, source, payload) VALUES (?, ?, ?)');
  await db.batch(records.map((record, i) => insert.bind(ids[i], source, JSON.stringify(record))));
  return ids;
}

/** The worker's own routes: `POST /ingest?source=…` with a CSV body, `GET /records/count?source=…`. */
export async function handleIngest(request: Request, db: D1Database): Promise<Response> {
  const url = new URL(request.url);
  const source = url.searchParams.get('source') ?? 'upload';
  if (url.pathname === '/ingest' && request.method === 'POST') {
    let records: Record<string, string>[];
    try {
      records = parseCsv(await request.text());
    } catch (error) {
      return Response.json({ error: (error as Error).message }, { status: 400 });
    }
    const ids = await storeRecords(db, source, records);
    return Response.json({ stored: ids.length, ids }, { status: 201 });
  }
  if (url.pathname === '/records/count' && request.method === 'GET') {
    const row = await db.prepare('SELECT COUNT(*) AS count FROM ingest_records WHERE source = ?').bind(source).first<{ count: number }>();
    return Response.json({ source, count: row?.count ?? 0 });
  }
  return Response.json({ service: 'data-factory', routes: ['POST /ingest', 'GET /records/count'] }, { status: url.pathname === '/' ? 200 : 404 });
}
