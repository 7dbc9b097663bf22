/** A path-template router: `/nodes/{node}/qemu/{vmid}/config` style templates, matched segment by segment. */
export interface Match<T> {
  route: T;
  template: string;
  params: Record<string, string>;
}

interface TrieNode<T> {
  literal: Map<string, TrieNode<T>>;
  param?: { name: string; next: TrieNode<T> };
  methods: Map<string, { route: T; template: string }>;
}

const newNode = <T>(): TrieNode<T> => ({ literal: new Map(), methods: new Map() });

export class Router<T> {
  private readonly root: TrieNode<T> = newNode();
  /** Every registered 'METHOD /template'. */
  readonly keys: string[] = [];

  add(method: string, template: string, route: T): void {
    let node = this.root;
    for (const seg of template.split('/').filter(Boolean)) {
      const m = /^\{(.+)\}$/.exec(seg);
      if (m) {
        node.param ??= { name: m[1] as string, next: newNode() };
        if (node.param.name !== m[1]) throw new Error(`conflicting parameter names at ${template}`);
        node = node.param.next;
      } else {
        let next = node.literal.get(seg);
        if (!next) {
          next = newNode();
          node.literal.set(seg, next);
        }
        node = next;
      }
    }
    node.methods.set(method, { route, template });
    this.keys.push(`${method} ${template}`);
  }

  /** The route for a method and (decoded-per-segment) path, or undefined (the caller answers 501/404). */
  match(method: string, path: string): Match<T> | undefined {
    let node: TrieNode<T> | undefined = this.root;
    const params: Record<string, string> = {};
    for (const raw of path.split('/')) {
      if (raw === '') continue;
      let seg: string;
      try {
        seg = decodeURIComponent(raw);
      } catch {
        return undefined;
      }
      const lit: TrieNode<T> | undefined = node.literal.get(seg);
      if (lit) node = lit;
      else if (node.param) {
        params[node.param.name] = seg;
        node = node.param.next;
      } else return undefined;
    }
    const hit = node.methods.get(method);
    return hit ? { route: hit.route, template: hit.template, params } : undefined;
  }
}
