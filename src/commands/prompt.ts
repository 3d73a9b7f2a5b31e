import type prompts from 'prompts';

/** A cancelled prompt (Ctrl-C) ends the command like declining: exit 1, nothing written. */
export class PromptCancelled extends Error {}

/** Asks one question; only command files prompt, and only after `canPrompt` said a person is there. */
export async function ask<T>(question: prompts.PromptObject): Promise<T> {
  // Loaded on first use, so that the commands that never prompt (lint) do not pay for it.
  const { default: prompt } = await import('prompts');
  const answers = await prompt(question, {
    onCancel: () => {
      throw new PromptCancelled();
    },
  });
  return answers[question.name as string] as T;
}
