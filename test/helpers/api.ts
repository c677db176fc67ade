/** A small JSON client for the tests: real HTTP against the started system. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class Api {
  constructor(readonly baseUrl: string, public token?: string, readonly headers: Record<string, string> = {}) {}

  as(token: string | undefined, headers: Record<string, string> = {}): Api {
    return new Api(this.baseUrl, token, { ...this.headers, ...headers });
  }

  async request<T = any>(method: string, path: string, body?: unknown, extra: RequestInit & { raw?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...this.headers, ...(extra.headers ?? {}) };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (extra.raw !== undefined) payload = extra.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(this.baseUrl + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get<T = any>(path: string) { return this.request<T>('GET', path); }
  post<T = any>(path: string, body?: unknown) { return this.request<T>('POST', path, body); }
  patch<T = any>(path: string, body?: unknown) { return this.request<T>('PATCH', path, body); }
  put<T = any>(path: string, body?: unknown) { return this.request<T>('PUT', path, body); }
  delete<T = any>(path: string) { return this.request<T>('DELETE', path); }

  async login(email: string, password = 'demo-password', ip?: string): Promise<{ accessToken: string; refreshToken: string; user: any; api: Api }> {
    const res = await this.as(undefined, ip ? { 'x-forwarded-for': ip } : {}).post('/api/v1/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { ...res.body, api: this.as(res.body.accessToken) };
  }
}
