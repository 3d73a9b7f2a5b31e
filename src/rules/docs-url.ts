/** Rule pages live in docs/rules/ of the repository and ship in the npm package. */
export const RULE_DOCS_BASE_URL = 'https://github.com/bgtask/bgtask/blob/main/docs/rules/';

export function ruleDocsUrl(ruleId: string): string {
  return `${RULE_DOCS_BASE_URL}${ruleId}.md`;
}
