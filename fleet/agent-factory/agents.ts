/**
 * agent-factory's own job: turn an agent spec into a prompt, and check the tool calls an agent
 * produces against the tool's JSON schema before anything acts on them.
 */

/** Fills `{{name}}` placeholders; a placeholder without a value is an error, never left in the prompt. */
export function renderPrompt(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-zA-Z_][\w]*)\s*\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for {{${name}}}`);
    return value;
  });
}

/** The subset of JSON Schema the tool definitions use. */
export interface JsonSchema {
  type: 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  additionalProperties?: boolean;
}

/** The problems with `value` against `schema`, each with its path; empty when it conforms. */
export function validate(value: unknown, schema: JsonSchema, path = '$'): string[] {
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: must be one of ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: must be an object`];
      const record = value as Record<string, unknown>;
      const problems = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${path}.${key}: is required`);
      for (const [key, child] of Object.entries(record)) {
        const childSchema = schema.properties?.[key];
        if (childSchema) problems.push(...validate(child, childSchema, `${path}.${key}`));
        else if (schema.additionalProperties === false) problems.push(`${path}.${key}: is not allowed`);
      }
      return problems;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: must be an array`];
      return schema.items ? value.flatMap((item, i) => validate(item, schema.items!, `${path}[${i}]`)) : [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: must be an integer`];
    default:
      return typeof value === schema.type ? [] : [`${path}: must be a ${schema.type}`];
  }
}

export const SYSTEM_PROMPT = 'You are {{agent_name}}, an agent that {{goal}}. Answer in {{language}}. Use only these tools: {{tools}}.';

/** The schema of the `create_ticket` tool's arguments. */
export const CREATE_TICKET_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['title', 'priority'],
  additionalProperties: false,
  properties: {
    title: { type: 'string' },
    priority: { type: 'string', enum: ['low', 'normal', 'high'] },
    labels: { type: 'array', items: { type: 'string' } },
    estimate_hours: { type: 'integer' },
  },
};

/** The worker's own routes: `POST /agents/prompt` with `{ agent_name, goal, language, tools }`. */
export async function handleAgents(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== '/agents/prompt') return Response.json({ service: 'agent-factory', routes: ['POST /agents/prompt'] }, { status: url.pathname === '/' ? 200 : 404 });
  if (request.method !== 'POST') return Response.json({ error: 'Use POST' }, { status: 405, headers: { allow: 'POST' } });
  try {
    const values = (await request.json()) as Record<string, string>;
    return Response.json({ prompt: renderPrompt(SYSTEM_PROMPT, values) });
  } catch (error) {
    return Response.json({ error: (error as Error).message }, { status: 400 });
  }
}
