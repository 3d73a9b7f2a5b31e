import prompts from 'prompts';

/** A cancelled prompt (Ctrl-C) ends the command like declining: exit 1, nothing written. */
export class PromptCancelled extends Error {}

/** Asks one question; only command files prompt, and only after `canPrompt` said a person is there. */
export async function ask<T>(question: prompts.PromptObject): Promise<T> {
  const answers = await prompts(question, {
    onCancel: () => {
      throw new PromptCancelled();
    },
  });
  return answers[question.name as string] as T;
}
