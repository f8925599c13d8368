/**
 * `survo.*`: an IVR's recorded answers and its results. `unique_id` is the interaction's
 * `ivr_response_id` (what the IVR webhook sends), `question` the question's number from 1.
 */
import { AdminError } from '../../admin/errors.js';
import { checkWavFormat, wavAnswer } from './audio-answer.js';
import { zoneOf, type IbpActions } from './context.js';
import { startOfDay } from './dates.js';

export const survoActions: IbpActions = {
  'survo.get_recording': {
    scope: 'read',
    run: async (req, s) => {
      const p = req.params;
      const survo = p.id('survo_id');
      const unique = p.id('unique_id');
      const question = p.requiredInt('question', 1, 1000);
      const rate = checkWavFormat(p);
      const interaction = await s.store.interactions.get(unique);
      if (!interaction || interaction.ivrId !== survo) throw new AdminError('not_found', `SurVo ${survo} has no caller with unique_id ${unique}`);
      const [rec] = await s.store.reports.recordings({ kind: 'question', responseId: unique, questionNo: question }, 1);
      if (!rec) throw new AdminError('not_found', `unique_id ${unique} has no recording for question ${question}`);
      return wavAnswer(await s.recordings.read(rec), rate, `survo-${survo}-${unique}-q${question}.wav`);
    },
  },

  'survo.delete_survey_results': {
    scope: 'admin',
    run: async (req, s) => {
      const p = req.params;
      const survo = p.id('survo_id');
      const date = p.date('before_date');
      const before = date && startOfDay(date, zoneOf(s));
      const r = await s.store.reports.deleteInteractions({ ivrId: survo, ...(before ? { before } : {}) });
      if (r.interactions === 0 && !s.config.entry('ivr', String(survo))) throw new AdminError('not_found', `no SurVo with id ${survo}`);
      for (const rec of r.recordings) await s.recordings.removeFile(rec);
      return { xml: [['survo_id', survo], ['deleted', r.interactions], ['recordings_deleted', r.recordings.length]] };
    },
  },
};
