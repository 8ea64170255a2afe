-- Pandoc filter for the html build: point links at the rendered pages.
--
-- The Markdown links to Markdown (`../labs/malloc/README.md`), which is right
-- on GitHub and in an editor.  In docs/_site the pages are .html files laid
-- out like docs/ (lab handouts go to labs/<lab>/README.html), so each link
-- is resolved against the page's source path (metadata `source`, relative to
-- the kit's root) and rewritten to the page it became.  A target that is not
-- part of the site is linked where it is in the kit, two levels above _site.

local source = ''

-- Collapse "." and ".." in a path that uses "/".
local function collapse(path)
  local parts = {}
  for part in path:gmatch('[^/]+') do
    if part == '..' and #parts > 0 and parts[#parts] ~= '..' then
      table.remove(parts)
    elseif part ~= '.' then
      table.insert(parts, part)
    end
  end
  return table.concat(parts, '/')
end

local function dirname(path)
  return path:match('^(.*)/[^/]*$') or ''
end

-- Where a file of the kit is in the site, or nil if the site lacks it.
local function site_path(kit_path)
  local in_docs = kit_path:match('^docs/(.*)$')
  if in_docs then
    if in_docs:match('%.md$') then
      return (in_docs:gsub('%.md$', '.html'))
    end
    if in_docs == 'examples' or in_docs:match('^examples/') then
      return in_docs
    end
    return nil
  end
  if kit_path:match('^labs/[^/]+/README%.md$') then
    return (kit_path:gsub('%.md$', '.html'))
  end
  return nil
end

-- The path from the page's folder (in the site) up to the site's root.
local function up_to_root(page_dir)
  local up = ''
  for _ in page_dir:gmatch('[^/]+') do
    up = up .. '../'
  end
  return up
end

local function rewrite(link)
  local target = link.target
  if target:match('^[%a][%w+.-]*:') or target:match('^#') or target == '' then
    return nil -- a URL, or an anchor in this page
  end
  local path, anchor = target:match('^([^#]*)(#?.*)$')
  local kit_path = collapse(dirname(source) .. '/' .. path)
  local page_dir = dirname(site_path(source) or '')
  local in_site = site_path(kit_path)
  if in_site then
    link.target = up_to_root(page_dir) .. in_site .. anchor
  else
    link.target = up_to_root(page_dir) .. '../../' .. kit_path .. anchor
  end
  return link
end

return {
  { Meta = function(meta)
      source = pandoc.utils.stringify(meta.source or '')
    end },
  { Link = rewrite },
}
