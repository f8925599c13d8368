/** Where the Administration API is mounted. */
export const ADMIN_API_BASE = '/api/v1';
